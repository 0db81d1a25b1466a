//! History that survives restarts: per app × device, per device and unattributed bytes
//! in tiered SQLite buckets (10 s for a day, minutes for 30 days, hours for a year, local
//! days and local months until the size cap).
//!
//! `batch` puts what each refresh moved into buckets (pure), `tiers` holds bucket and
//! calendar maths (pure), `schema` the tables and migrations, `db` opening and writing,
//! `limits` retention and the size cap, `rollup` the coarse buckets written once when
//! they close, `fold` which apps a day keeps apart (at most 500; the rest are "other
//! apps"), `query` the reads (through `reading`: where a range's bytes are, written or not
//! yet), `writer` the task that batches a collector's refreshes in memory and writes them
//! at each crash-safety point.

pub mod batch;
pub mod db;
pub mod fold;
pub mod limits;
pub mod query;
pub mod reading;
pub mod rollup;
pub mod schema;
pub mod tiers;
pub mod writer;

pub use db::{Retention, Store, StoreConfig, StoreError};
