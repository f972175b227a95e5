//! kyodo's domain: the records of a municipality's liaison scheme and the
//! rules over them. No I/O lives here: no database, no HTTP, no files.

pub mod accounts;
pub mod activities;
pub mod appointments;
pub mod areas;
pub mod audit;
pub mod case_studies;
pub mod charts;
pub mod csv_import;
pub mod demo;
pub mod departments;
pub mod encoding;
pub mod evacuation_support;
pub mod events;
pub mod grants;
pub mod handovers;
pub mod images;
pub mod issues;
pub mod keyed;
pub mod listing;
pub mod mail;
pub mod meetings;
pub mod municipalities;
pub mod organisations;
pub mod permissions;
pub mod plans;
pub mod privileged_grants;
pub mod public;
pub mod rotation;
pub mod scheme;
pub mod search;
pub mod staff;
pub mod syndication;
pub mod text;
pub mod validation;
pub mod wareki;
