//! The core suite: the CLI, collection (the nethogs parser, the collector, the privileged
//! helper, real traffic in network namespaces), the history store, and the layout and
//! packaging rules the code keeps. One test binary (`cargo test --test core`); each module
//! is one subject and says what it covers and what it needs (most need root).
//!
//! Tests run on parallel threads of this one process: nothing here may assume it has the
//! machine to itself. Names of namespaces, devices, HOMEs and data directories are unique
//! per test, processes are told apart by namespace or pid, ports are free ones.

#[path = "../support/mod.rs"]
mod support;

mod architecture;
mod bounds;
mod cli_modes;
mod collector;
mod devices_and_routes;
mod forged_names;
mod gui_free;
mod helper;
mod history;
mod misbehaving_helper;
mod one_core;
mod parser;
mod polkit_policy;
mod private_files;
mod prometheus;
mod real_traffic;
mod system_service;
mod system_unit;
mod time_breaks;
