//! The formula as a form: one row per component (`c{i}_type`, `c{i}_name`,
//! `c{i}_basis`, `c{i}_price`, `c{i}_base`, `c{i}_condition`,
//! `c{i}_threshold`, `c{i}_amounts`) and the settings below. A price typed
//! with 「%」 is a share of the pool; without, yen. A merged subsidy paid per
//! organisation takes lines of 「団体コード 金額」, as pasted from Excel.

use std::collections::HashMap;

use super::figures::{Basis, format_area};
use super::formula::{
    Component, Condition, Formula, MergedRule, OrganisationYen, Price, ROUNDING_UNITS, RoundingMode, parse_percent,
    percent_text,
};
use crate::plans::projects::parse_yen;
use crate::text::grouped;
use crate::validation::{FieldErrors, Fields};

/// Rows the form offers: the formula's own and a few blank ones.
pub const BLANK_ROWS: usize = 3;

/// A component row's type, as the form's select names it.
pub const ROW_TYPES: [(&str, &str); 5] = [
    ("equal", "均等割・基本額"),
    ("per_unit", "人口割・世帯割・面積割"),
    ("merged_unit", "統合した補助金（単価）"),
    ("merged_org", "統合した補助金（団体ごとの額）"),
    ("addition", "加算"),
];

/// Conditions of an 加算, as the form's select names them.
pub const CONDITIONS: [(&str, &str); 2] = [
    ("employs_staff", "事務局職員を雇用している"),
    ("elderly_rate", "高齢化率が次の値以上"),
];

/// How a form's row count is found: the highest `c{i}_type` sent.
fn rows_sent(get: &dyn Fn(&str) -> Option<String>) -> usize {
    (0..super::formula::MAX_COMPONENTS + BLANK_ROWS)
        .rev()
        .find(|i| get(&format!("c{i}_type")).is_some_and(|t| !t.trim().is_empty()))
        .map_or(0, |i| i + 1)
}

/// Reads the formula from the form. `organisation` finds an organisation's
/// id by its code or name (for the per-organisation amounts).
pub fn parse(
    get: &dyn Fn(&str) -> Option<String>,
    organisation: &dyn Fn(&str) -> Option<i64>,
) -> Result<Formula, FieldErrors> {
    let mut f = Fields::new(get);
    let mut components = Vec::new();
    for i in 0..rows_sent(get) {
        let key = |name: &str| format!("c{i}_{name}");
        let kind = get(&key("type")).unwrap_or_default();
        let kind = kind.trim();
        if kind.is_empty() {
            continue;
        }
        let name = f.required(&key("name"), "項目の名前", 50);
        let basis = || get(&key("basis")).and_then(|b| Basis::from_key(b.trim()));
        let price = |errors: &mut FieldErrors, shares: bool| -> Option<Price> {
            let raw = get(&key("price")).unwrap_or_default();
            let raw = raw.trim();
            if raw.is_empty() {
                errors.add(&key("price"), "金額を入力してください");
                return None;
            }
            let folded = crate::text::fold_ascii(raw);
            if folded.ends_with('%') {
                if !shares {
                    errors.add(&key("price"), "この項目は割合ではなく金額で入力してください");
                    return None;
                }
                return match parse_percent(&folded) {
                    Some(basis_points) => Some(Price::Share { basis_points }),
                    None => {
                        errors.add(&key("price"), "割合は「30%」「33.5%」のように入力してください");
                        None
                    }
                };
            }
            match parse_yen(raw) {
                Ok(yen) => Some(Price::Fixed { yen }),
                Err(message) => {
                    errors.add(&key("price"), message);
                    None
                }
            }
        };
        let component = match kind {
            "equal" => price(&mut f.errors, true).map(|price| Component::Equal { name, price }),
            "per_unit" => {
                let b = basis();
                if b.is_none() {
                    f.errors.add(
                        &key("basis"),
                        "何に応じて配分するか（人口・世帯数・面積）を選んでください",
                    );
                }
                let p = price(&mut f.errors, true);
                b.zip(p).map(|(basis, price)| Component::PerUnit { name, basis, price })
            }
            "merged_unit" => {
                let b = basis();
                if b.is_none() {
                    f.errors.add(
                        &key("basis"),
                        "単価をかける数（人口・世帯数・面積・65歳以上人口）を選んでください",
                    );
                }
                let base = f.yen(&key("base"), "団体あたりの額", false).unwrap_or(0);
                let per = match price(&mut f.errors, false) {
                    Some(Price::Fixed { yen }) => Some(yen),
                    _ => None,
                };
                b.zip(per).map(|(basis, yen_per_unit)| Component::Merged {
                    name,
                    rule: MergedRule::PerUnit {
                        base_yen: base,
                        basis,
                        yen_per_unit,
                    },
                })
            }
            "merged_org" => {
                let text = get(&key("amounts")).unwrap_or_default();
                match amounts(&text, organisation) {
                    Ok(amounts) => Some(Component::Merged {
                        name,
                        rule: MergedRule::PerOrganisation { amounts },
                    }),
                    Err(message) => {
                        f.errors.add(&key("amounts"), message);
                        None
                    }
                }
            }
            "addition" => {
                let yen = match price(&mut f.errors, false) {
                    Some(Price::Fixed { yen }) => Some(yen),
                    _ => None,
                };
                let condition = match get(&key("condition")).as_deref().map(str::trim) {
                    Some("employs_staff") => Some(Condition::EmploysStaff),
                    Some("elderly_rate") => {
                        let raw = get(&key("threshold")).unwrap_or_default();
                        match parse_percent(&raw).filter(|bp| *bp <= 10_000) {
                            Some(bp) => Some(Condition::ElderlyRateAtLeast { permille: bp / 10 }),
                            None => {
                                f.errors
                                    .add(&key("threshold"), "高齢化率を「35%」のように入力してください");
                                None
                            }
                        }
                    }
                    _ => {
                        f.errors.add(&key("condition"), "加算の条件を選んでください");
                        None
                    }
                };
                yen.zip(condition)
                    .map(|(yen, condition)| Component::Addition { name, yen, condition })
            }
            _ => {
                f.errors.add(&key("type"), "項目の種類を一覧から選んでください");
                None
            }
        };
        components.extend(component);
    }
    let pool_yen = f.yen("pool_yen", "配分する総額", false);
    let budget_yen = f.yen("budget_yen", "予算額", false);
    let floor_yen = f.yen("floor_yen", "下限額", false);
    let cap_yen = f.yen("cap_yen", "上限額", false);
    let change_limit_percent = f.count("change_limit_percent", "激変緩和の幅", false);
    let rounding_unit = match get("rounding_unit").map(|u| u.trim().replace(',', "")) {
        None => 1,
        Some(u) if u.is_empty() => 1,
        Some(u) => u.parse().unwrap_or(0),
    };
    let rounding = get("rounding")
        .and_then(|m| RoundingMode::from_key(m.trim()))
        .unwrap_or_default();
    let formula = Formula {
        components,
        pool_yen,
        rounding_unit,
        rounding,
        floor_yen,
        cap_yen,
        change_limit_percent,
        budget_yen,
    };
    // The formula's own rules, beside the rows they concern.
    if f.errors.is_empty()
        && let Err(more) = formula.check()
    {
        f.errors.errors.extend(more.errors.into_iter().map(|mut e| {
            e.field = row_field(&e.field);
            e
        }));
    }
    f.finish(formula)
}

/// `components[2].price` as the form names it: `c2_price`.
fn row_field(field: &str) -> String {
    field
        .strip_prefix("components[")
        .and_then(|rest| rest.split_once("]."))
        .map_or_else(
            || field.to_owned(),
            |(i, f)| {
                let f = match f {
                    "yen" | "rule" => "price",
                    "condition" => "threshold",
                    other => other,
                };
                format!("c{i}_{f}")
            },
        )
}

/// Lines of 「団体コード（または団体名） 金額」; every bad line named.
fn amounts(text: &str, organisation: &dyn Fn(&str) -> Option<i64>) -> Result<Vec<OrganisationYen>, String> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        // Pasted from Excel: a tab; typed: a space (the amount may hold
        // commas, 「48,000」); a CSV line: the first comma.
        let split = if line.contains('\t') {
            line.rsplit_once('\t')
        } else if line.contains([' ', '　']) {
            line.rsplit_once([' ', '　'])
        } else {
            line.split_once(',')
        };
        let Some((who, yen)) = split else {
            bad.push(format!("{}行目: 「団体コード 金額」の形で入力してください", n + 1));
            continue;
        };
        let who = who.trim();
        match (organisation(who.trim()), parse_yen(yen)) {
            (Some(organisation_id), Ok(yen)) => out.push(OrganisationYen { organisation_id, yen }),
            (None, _) => bad.push(format!("{}行目: 団体「{}」が見つかりません", n + 1, who.trim())),
            (_, Err(message)) => bad.push(format!("{}行目: {message}", n + 1)),
        }
    }
    if bad.is_empty() { Ok(out) } else { Err(bad.join("／")) }
}

/// The form's values for a formula: to show it for editing. `code_of` gives
/// an organisation's code for the per-organisation amounts.
pub fn values(formula: &Formula, code_of: &dyn Fn(i64) -> String) -> HashMap<String, String> {
    let mut v = HashMap::new();
    let yen = |n: i64| grouped(n);
    for (i, c) in formula.components.iter().enumerate() {
        let mut put = |name: &str, value: String| {
            v.insert(format!("c{i}_{name}"), value);
        };
        put("name", c.name().to_owned());
        let price_text = |p: &Price| match p {
            Price::Fixed { yen: n } => yen(*n),
            Price::Share { basis_points } => percent_text(*basis_points),
        };
        match c {
            Component::Equal { price, .. } => {
                put("type", "equal".into());
                put("price", price_text(price));
            }
            Component::PerUnit { basis, price, .. } => {
                put("type", "per_unit".into());
                put("basis", basis.key().into());
                put("price", price_text(price));
            }
            Component::Merged { rule, .. } => match rule {
                MergedRule::PerUnit {
                    base_yen,
                    basis,
                    yen_per_unit,
                } => {
                    put("type", "merged_unit".into());
                    put("basis", basis.key().into());
                    put("base", yen(*base_yen));
                    put("price", yen(*yen_per_unit));
                }
                MergedRule::PerOrganisation { amounts } => {
                    put("type", "merged_org".into());
                    put(
                        "amounts",
                        amounts
                            .iter()
                            .map(|a| format!("{} {}", code_of(a.organisation_id), a.yen))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                }
            },
            Component::Addition { yen: n, condition, .. } => {
                put("type", "addition".into());
                put("price", yen(*n));
                match condition {
                    Condition::EmploysStaff => put("condition", "employs_staff".into()),
                    Condition::ElderlyRateAtLeast { permille } => {
                        put("condition", "elderly_rate".into());
                        put("threshold", percent_text(permille * 10));
                    }
                }
            }
        }
    }
    let mut put = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            v.insert(name.to_owned(), value);
        }
    };
    put("pool_yen", formula.pool_yen.map(yen));
    put("budget_yen", formula.budget_yen.map(yen));
    put("floor_yen", formula.floor_yen.map(yen));
    put("cap_yen", formula.cap_yen.map(yen));
    put(
        "change_limit_percent",
        formula.change_limit_percent.map(|p| p.to_string()),
    );
    put("rounding_unit", Some(formula.rounding_unit.to_string()));
    put("rounding", Some(formula.rounding.key().to_owned()));
    v
}

/// The units of 端数処理 as the select lists them.
pub fn rounding_units() -> Vec<(String, String)> {
    ROUNDING_UNITS
        .iter()
        .map(|u| {
            let label = if *u == 1 {
                "しない（1円単位）".to_owned()
            } else {
                format!("{}円未満", grouped(*u))
            };
            (u.to_string(), label)
        })
        .collect()
}

/// A figure as the calculation table shows it: 面積 in km², others grouped.
pub fn figure_text(basis: Basis, value: i64) -> String {
    match basis {
        Basis::Area => format_area(value),
        _ => grouped(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(code: &str) -> Option<i64> {
        match code {
            "O011" | "唐松まちづくり協議会" => Some(11),
            "O021" => Some(21),
            _ => None,
        }
    }

    #[test]
    fn the_form_round_trips_a_formula() {
        let formula = Formula {
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
                Component::Merged {
                    name: "防犯灯電気料補助".into(),
                    rule: MergedRule::PerOrganisation {
                        amounts: vec![OrganisationYen {
                            organisation_id: 11,
                            yen: 48_000,
                        }],
                    },
                },
                Component::Merged {
                    name: "敬老会補助".into(),
                    rule: MergedRule::PerUnit {
                        base_yen: 10_000,
                        basis: Basis::Elderly,
                        yen_per_unit: 300,
                    },
                },
                Component::Addition {
                    name: "高齢化加算".into(),
                    yen: 100_000,
                    condition: Condition::ElderlyRateAtLeast { permille: 455 },
                },
            ],
            pool_yen: Some(30_000_000),
            rounding_unit: 1_000,
            rounding: RoundingMode::Down,
            change_limit_percent: Some(10),
            budget_yen: Some(31_000_000),
            ..Default::default()
        };
        let v = values(&formula, &|id| if id == 11 { "O011".into() } else { "?".into() });
        let back = parse(&|k| v.get(k).cloned(), &codes).expect("valid");
        assert_eq!(back, formula);
    }

    #[test]
    fn each_bad_row_is_named_beside_its_field() {
        let form: HashMap<&str, &str> = HashMap::from([
            ("c0_type", "per_unit"),
            ("c0_name", "人口割"),
            ("c0_price", "abc"),
            ("c1_type", "merged_org"),
            ("c1_name", "防犯灯"),
            ("c1_amounts", "O011 48,000\nO999 1000\nO021 12.5"),
            ("c2_type", "addition"),
            ("c2_name", "加算"),
            ("c2_price", "30%"),
            ("c2_condition", "employs_staff"),
        ]);
        let errors = parse(&|k| form.get(k).map(|v| v.to_string()), &codes).unwrap_err();
        assert!(errors.get("c0_basis").is_some());
        assert!(errors.get("c0_price").is_some());
        let amounts = errors.get("c1_amounts").expect("the bad lines");
        assert!(
            amounts.contains("2行目") && amounts.contains("O999") && amounts.contains("3行目"),
            "{amounts}"
        );
        assert!(errors.get("c2_price").is_some_and(|m| m.contains("金額で")));
    }

    #[test]
    fn amounts_read_as_pasted_typed_or_written_as_csv() {
        let read = |text: &str| {
            amounts(text, &codes).map(|a| a.iter().map(|x| (x.organisation_id, x.yen)).collect::<Vec<_>>())
        };
        assert_eq!(read("O011 48,000"), Ok(vec![(11, 48_000)]));
        assert_eq!(
            read("唐松まちづくり協議会\t48000\nO021,1200"),
            Ok(vec![(11, 48_000), (21, 1_200)])
        );
        assert_eq!(read("O011　４８，０００円"), Ok(vec![(11, 48_000)]));
        assert!(read("O011").is_err());
    }

    #[test]
    fn the_formulas_own_rules_land_beside_the_row() {
        let form: HashMap<&str, &str> = HashMap::from([
            ("c0_type", "equal"),
            ("c0_name", "均等割"),
            ("c0_price", "30%"),
            ("pool_yen", "1,000,000"),
        ]);
        let errors = parse(&|k| form.get(k).map(|v| v.to_string()), &codes).unwrap_err();
        assert!(errors.get("pool_yen").is_some_and(|m| m.contains("100%")), "{errors:?}");
        assert_eq!(row_field("components[3].yen"), "c3_price");
    }
}
