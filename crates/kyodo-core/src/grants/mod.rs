//! 一括交付金 (the block grant): its schemes and formula, the figures of
//! the areas it reads, and each organisation's grant through the year.

pub mod export;
pub mod figures;
pub mod formula;
pub mod formula_form;
pub mod grant;
pub mod procedure;
pub mod rules;
pub mod schemes;
