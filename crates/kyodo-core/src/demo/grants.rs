//! The demo's block grant: its areas' figures (as of April 1 of this year
//! and last), and each preset's formula — Niimi's 基本額 + 人口割 + 世帯割 +
//! three merged subsidies + 事務局人件費加算 (小規模多機能自治一括交付金),
//! Arao's 均等割 + 人口割 split of a pool. The amounts are invented: a city
//! sets its own on the scheme's page.

use chrono::NaiveDate;

use super::{DemoArea, Rng};
use crate::grants::figures::{Basis, format_area};
use crate::grants::formula::{Component, Condition, Formula, MergedRule, OrganisationYen, Price, RoundingMode};

/// The reference dates the demo's figures are kept for: April 1 of the
/// 年度 before and of this one.
pub fn reference_dates(fiscal_year: i32) -> [NaiveDate; 2] {
    [
        crate::wareki::fiscal_year_start(fiscal_year - 1),
        crate::wareki::fiscal_year_start(fiscal_year),
    ]
}

/// CSV lines of figures (地区の人口・世帯数) for every area with no areas
/// below it, a year apart: a rural city losing a little of its people.
pub fn area_figures(areas: &[DemoArea], fiscal_year: i32, seed: u64) -> Vec<Vec<String>> {
    let mut rng = Rng::new(seed ^ 0x6772_616e_7473);
    let leaves = areas
        .iter()
        .filter(|a| !areas.iter().any(|b| b.parent_code.as_deref() == Some(a.code.as_str())));
    let mut rows = Vec::new();
    for a in leaves {
        let population = 300 + i64::try_from(rng.below(2_700)).unwrap_or(0);
        let households = population * 10 / (22 + i64::try_from(rng.below(6)).unwrap_or(0));
        let area = 500 + i64::try_from(rng.below(5_500)).unwrap_or(0);
        let elderly_permille = 330 + i64::try_from(rng.below(200)).unwrap_or(0);
        for (i, as_of) in reference_dates(fiscal_year).into_iter().enumerate() {
            // A year on: about 1.5% fewer people, a little older.
            let p = if i == 0 { population * 1015 / 1000 } else { population };
            let rate = elderly_permille - if i == 0 { 5 } else { 0 };
            rows.push(vec![
                a.code.clone(),
                as_of.to_string(),
                p.to_string(),
                (households * p / population.max(1)).to_string(),
                format_area(area),
                (p * rate / 1000).to_string(),
            ]);
        }
    }
    rows
}

/// The demo scheme's name for a preset.
pub fn scheme_name(preset: &str) -> &'static str {
    match preset {
        "niimi" => "小規模多機能自治一括交付金",
        _ => "地区協議会交付金",
    }
}

/// The preset's formula for the organisations `recipients` (ids, in code
/// order): Niimi's merges three former subsidies, two of them as the
/// amounts each area had.
pub fn formula(preset: &str, recipients: &[i64]) -> Formula {
    let per_organisation = |amounts: &[i64]| MergedRule::PerOrganisation {
        amounts: recipients
            .iter()
            .zip(amounts.iter().cycle())
            .map(|(id, yen)| OrganisationYen {
                organisation_id: *id,
                yen: *yen,
            })
            .collect(),
    };
    if preset == "niimi" {
        Formula {
            components: vec![
                Component::Equal {
                    name: "基本額（運営経費）".into(),
                    price: Price::Fixed { yen: 1_500_000 },
                },
                Component::PerUnit {
                    name: "人口割".into(),
                    basis: Basis::Population,
                    price: Price::Fixed { yen: 600 },
                },
                Component::PerUnit {
                    name: "世帯割".into(),
                    basis: Basis::Households,
                    price: Price::Fixed { yen: 800 },
                },
                Component::Merged {
                    name: "敬老会補助".into(),
                    rule: MergedRule::PerUnit {
                        base_yen: 0,
                        basis: Basis::Elderly,
                        yen_per_unit: 500,
                    },
                },
                Component::Merged {
                    name: "防犯灯電気料補助".into(),
                    rule: per_organisation(&[86_400, 52_800, 71_200]),
                },
                Component::Merged {
                    name: "地区運動会補助".into(),
                    rule: per_organisation(&[50_000, 30_000]),
                },
                Component::Addition {
                    name: "事務局人件費加算".into(),
                    yen: 1_200_000,
                    condition: Condition::EmploysStaff,
                },
            ],
            rounding_unit: 1_000,
            rounding: RoundingMode::Down,
            change_limit_percent: Some(10),
            budget_yen: Some(12_000_000),
            ..Default::default()
        }
    } else {
        Formula {
            components: vec![
                Component::Equal {
                    name: "均等割".into(),
                    price: Price::Share { basis_points: 3_000 },
                },
                Component::PerUnit {
                    name: "人口割".into(),
                    basis: Basis::Population,
                    price: Price::Share { basis_points: 7_000 },
                },
            ],
            pool_yen: Some(20_000_000),
            rounding_unit: 1_000,
            rounding: RoundingMode::Down,
            budget_yen: Some(20_000_000),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_presets_formulas_hold_their_own_rules() {
        for preset in ["niimi", "arao"] {
            super::formula(preset, &[1, 2]).check().expect(preset);
        }
    }
}
