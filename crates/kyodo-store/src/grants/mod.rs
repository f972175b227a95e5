//! 一括交付金 (the block grant): schemes with their formulas, and the
//! areas' figures they read.

pub mod figures;
pub mod schemes;
