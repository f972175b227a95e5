//! 一括交付金 (the block grant): its schemes, their formula and simulation,
//! each body's grant through the year, and the coordinator's overview.

pub mod expenses;
pub mod inbox;
pub mod overview;
pub mod procedure;
pub mod schemes;

pub(crate) const BASE: &str = "/grants";

/// 「1,234,000円」.
pub(crate) fn yen(n: i64) -> String {
    format!("{}円", kyodo_core::text::grouped(n))
}
