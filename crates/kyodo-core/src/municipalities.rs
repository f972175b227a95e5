//! The municipality (自治体): the tenant every record belongs to.

use serde::Serialize;

use crate::scheme::SchemeSettings;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Municipality {
    pub id: i64,
    /// 全国地方公共団体コード (6 digits).
    pub code: String,
    pub name: String,
    pub scheme: SchemeSettings,
}

/// Checks a 全国地方公共団体コード: six digits whose last is the check digit.
pub fn valid_code(code: &str) -> bool {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 6 || code.len() != 6 {
        return false;
    }
    let sum: u32 = digits[..5].iter().zip([6, 5, 4, 3, 2]).map(|(d, w)| d * w).sum();
    let check = (11 - sum % 11) % 10;
    check == digits[5]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_real_codes() {
        for code in ["432041", "431001", "132241", "042153", "332101", "131016"] {
            assert!(valid_code(code), "{code}");
        }
        assert!(!valid_code("432042"));
        assert!(!valid_code("43204"));
        assert!(!valid_code("４３２０４１"));
    }
}
