//! kyodo's persistence: SQLite (the embedded default) and PostgreSQL from
//! one code base. The web layer calls these functions and writes no SQL.

pub mod db;
pub mod error;
pub mod migrations;

pub use db::{Backend, Db};
pub use error::{Result, StoreError};
pub mod testing;
