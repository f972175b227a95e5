//! 一括交付金 (the block grant): its schemes and formula, and the figures
//! of the areas it reads.

pub mod figures;
pub mod formula;
pub mod formula_form;
pub mod procedure;
pub mod schemes;
