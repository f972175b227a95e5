//! 一括交付金 (the block grant): schemes with their formulas, the areas'
//! figures they read, and each organisation's grant with its expenses.

pub mod expenses;
pub mod figures;
pub mod procedure;
pub mod schemes;

use crate::error::{Result, StoreError};

/// A JSON column's text.
fn json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}
