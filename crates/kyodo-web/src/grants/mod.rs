//! 一括交付金 (the block grant): its schemes, their formula and simulation.

pub mod schemes;

pub(crate) const BASE: &str = "/grants";
