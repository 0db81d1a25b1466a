//! The Prometheus integration as shipped in `packaging/` (docs/prometheus.md):
//!
//! * `shipped` — `promtool check config` on the scrape job (its paths pointed at a
//!   temporary folder), `promtool check rules` and `promtool test rules` on the rules and
//!   their unit tests, and the Grafana dashboard's queries all parsing as PromQL;
//! * `fleet` — a real Debian `prometheus` scraping two real `hogwatch server`s (two network
//!   namespaces standing for two hosts, real nethogs, known paced uploads) every second:
//!   through its HTTP API each host's busiest app is the right one at its pace (within
//!   10%), every panel query of the dashboard returns data, and stopping one hogwatch
//!   makes `HogwatchDown` fire for that host only and reach a real Alertmanager; the fleet
//!   screenshot of the docs is Prometheus' graph page in headless Chromium meanwhile.
//!
//! `prom` holds what both use: the shipped files, the configuration made from them, and
//! Prometheus and Alertmanager processes with their APIs.

mod fleet;
mod prom;
mod shipped;
