//! 一括交付金 (the block grant): schemes with their formulas, the areas'
//! figures they read, and each organisation's grant with its expenses.

pub mod expenses;
pub mod figures;
pub mod procedure;
pub mod schemes;
