//! kyodo's persistence: SQLite (the embedded default) and PostgreSQL from
//! one code base. The web layer calls these functions and writes no SQL.

pub mod db;
pub mod error;
pub mod migrations;

pub use db::{Backend, Db};
pub use error::{Result, StoreError};
pub mod accounts;
pub mod activities;
pub mod appointments;
pub mod areas;
pub mod audit;
pub mod backup;
pub mod case_studies;
pub mod common;
pub mod data;
pub mod demo;
pub mod departments;
pub mod evacuation_support;
pub mod events;
pub mod grants;
pub mod handovers;
pub mod issues;
pub mod mail;
pub mod meetings;
pub mod municipalities;
pub mod organisations;
pub mod plans;
pub mod privileged_grants;
pub mod public;
pub mod rotation;
pub mod search_keys;
pub mod staff;
pub mod testing;
