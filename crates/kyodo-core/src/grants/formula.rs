//! The block grant's formula (交付金の算定): components the coordinator
//! combines — 基本額・均等割, 人口割・世帯割・面積割, the former subsidies the
//! grant merges, 加算 by condition — then 激変緩和, 端数処理, 下限 and 上限.
//! A pure function from the formula and each organisation's figures to an
//! amount in whole yen, with every line that makes it up. No floating point:
//! a share of the pool is in basis points (1/100 %) and every division is
//! in integers, rounded down.

use serde::{Deserialize, Serialize};

use super::figures::{Basis, Figures};
use crate::validation::FieldErrors;

/// 100% in basis points.
pub const WHOLE: i64 = 10_000;
/// Components in one formula: past this it is not a formula a city explains.
pub const MAX_COMPONENTS: usize = 30;

/// How much a component gives: a fixed price, or a share of the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Price {
    /// Yen per organisation (均等割) or per unit (人口割: per person).
    Fixed { yen: i64 },
    /// A share of the pool, in basis points (3000 = 30%).
    Share { basis_points: i64 },
}

/// When an 加算 applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// The organisation employs office staff (事務局職員を雇用).
    EmploysStaff,
    /// 高齢化率 at or over a threshold, in permille (350 = 35.0%).
    ElderlyRateAtLeast { permille: i64 },
}

/// A former subsidy's amount for one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrganisationYen {
    pub organisation_id: i64,
    pub yen: i64,
}

/// How a merged subsidy (統合した補助金) is reckoned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MergedRule {
    /// The amount each organisation's area had (防犯灯電気料補助 as paid).
    PerOrganisation { amounts: Vec<OrganisationYen> },
    /// A base per organisation and a price per unit (敬老会補助: 65歳以上1人500円).
    PerUnit {
        base_yen: i64,
        basis: Basis,
        yen_per_unit: i64,
    },
}

/// One part of the formula.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Component {
    /// 基本額・均等割: the same for every organisation.
    Equal { name: String, price: Price },
    /// 人口割・世帯割・面積割: by a figure of the organisation's area.
    PerUnit { name: String, basis: Basis, price: Price },
    /// A former subsidy the grant replaces, listed by name.
    Merged { name: String, rule: MergedRule },
    /// 加算: a fixed addition where the condition holds.
    Addition {
        name: String,
        yen: i64,
        condition: Condition,
    },
}

impl Component {
    pub fn name(&self) -> &str {
        match self {
            Component::Equal { name, .. }
            | Component::PerUnit { name, .. }
            | Component::Merged { name, .. }
            | Component::Addition { name, .. } => name,
        }
    }

    /// The kind's label on the formula page.
    pub fn kind_label(&self) -> &'static str {
        match self {
            Component::Equal { .. } => "均等割・基本額",
            Component::PerUnit { .. } => "単位割",
            Component::Merged { .. } => "統合した補助金",
            Component::Addition { .. } => "加算",
        }
    }

    fn share(&self) -> Option<i64> {
        match self {
            Component::Equal {
                price: Price::Share { basis_points },
                ..
            }
            | Component::PerUnit {
                price: Price::Share { basis_points },
                ..
            } => Some(*basis_points),
            _ => None,
        }
    }
}

/// 端数処理.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundingMode {
    /// 切捨て: the usual for a grant.
    #[default]
    Down,
    /// 四捨五入.
    Nearest,
    /// 切上げ.
    Up,
}

impl RoundingMode {
    pub const ALL: [RoundingMode; 3] = [RoundingMode::Down, RoundingMode::Nearest, RoundingMode::Up];

    pub fn key(self) -> &'static str {
        match self {
            RoundingMode::Down => "down",
            RoundingMode::Nearest => "nearest",
            RoundingMode::Up => "up",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RoundingMode::Down => "切捨て",
            RoundingMode::Nearest => "四捨五入",
            RoundingMode::Up => "切上げ",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == key)
    }

    fn apply(self, yen: i64, unit: i64) -> i64 {
        if unit <= 1 {
            return yen;
        }
        let down = yen.div_euclid(unit) * unit;
        match self {
            RoundingMode::Down => down,
            RoundingMode::Up if down < yen => down.saturating_add(unit),
            RoundingMode::Up => down,
            RoundingMode::Nearest if (yen - down) * 2 >= unit => down.saturating_add(unit),
            RoundingMode::Nearest => down,
        }
    }
}

/// The units an amount may be rounded to (円未満はない: 1 means none).
pub const ROUNDING_UNITS: [i64; 5] = [1, 10, 100, 1_000, 10_000];

/// The whole formula of a grant scheme for one 年度.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Formula {
    pub components: Vec<Component>,
    /// The pool that shares divide (按分する総額); needed when any price is a share.
    #[serde(default)]
    pub pool_yen: Option<i64>,
    /// Amounts are rounded to this unit (1, 10, 100, 1000 or 10000 yen).
    #[serde(default = "one")]
    pub rounding_unit: i64,
    #[serde(default)]
    pub rounding: RoundingMode,
    /// 下限額.
    #[serde(default)]
    pub floor_yen: Option<i64>,
    /// 上限額.
    #[serde(default)]
    pub cap_yen: Option<i64>,
    /// 激変緩和: the change against last year's amount is kept within this many percent.
    #[serde(default)]
    pub change_limit_percent: Option<i64>,
    /// 予算額: the total is set against it.
    #[serde(default)]
    pub budget_yen: Option<i64>,
}

fn one() -> i64 {
    1
}

/// An organisation the grant goes to, with what the formula reads of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Recipient {
    pub organisation_id: i64,
    pub name: String,
    pub figures: Figures,
    pub employs_staff: bool,
    /// Last year's amount, for 激変緩和 and the comparison.
    pub last_year: Option<i64>,
}

/// A line of an organisation's amount: a component or an adjustment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Line {
    pub label: String,
    pub yen: i64,
}

/// One organisation's amount, with the lines that add up to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Allocation {
    pub organisation_id: i64,
    pub name: String,
    pub figures: Figures,
    /// One per component, in the formula's order.
    pub parts: Vec<Line>,
    /// 激変緩和, 端数処理, 下限, 上限, where they changed the amount.
    pub adjustments: Vec<Line>,
    pub amount: i64,
    pub last_year: Option<i64>,
}

impl Allocation {
    /// This year against last year, in yen.
    pub fn change(&self) -> Option<i64> {
        self.last_year.map(|l| self.amount - l)
    }
}

/// A price the pool's shares give, for the page: 人口割 1人あたり 812.34円.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DerivedPrice {
    pub component: String,
    pub basis: Option<Basis>,
    /// Hundredths of a yen per unit (per organisation for 均等割).
    pub centi_yen: i64,
}

/// The formula applied to every recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Calculation {
    pub allocations: Vec<Allocation>,
    pub total: i64,
    pub last_year_total: i64,
    pub budget_yen: Option<i64>,
    pub derived_prices: Vec<DerivedPrice>,
}

impl Calculation {
    /// What is left of the budget (negative: over it).
    pub fn budget_left(&self) -> Option<i64> {
        self.budget_yen.map(|b| b - self.total)
    }
}

impl Formula {
    /// Whether the formula can be applied; each fault named beside its field
    /// (`components[2].name`, `pool_yen`…).
    pub fn check(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.components.is_empty() {
            errors.add("components", "算定の項目を1つ以上設けてください");
        }
        if self.components.len() > MAX_COMPONENTS {
            errors.add("components", format!("算定の項目は{MAX_COMPONENTS}個までです"));
        }
        let negative = |yen: i64| !(0..=100_000_000_000).contains(&yen);
        for (i, c) in self.components.iter().enumerate() {
            let at = |f: &str| format!("components[{i}].{f}");
            if c.name().trim().is_empty() {
                errors.add(&at("name"), "項目の名前を入力してください");
            } else if c.name().chars().count() > 50 {
                errors.add(&at("name"), "項目の名前は50文字以内で入力してください");
            }
            match c {
                Component::Equal { price, .. } | Component::PerUnit { price, .. } => match price {
                    Price::Fixed { yen } if negative(*yen) => {
                        errors.add(&at("price"), "金額は0円以上で入力してください")
                    }
                    Price::Share { basis_points } if !(1..=WHOLE).contains(basis_points) => {
                        errors.add(&at("price"), "割合は0%より大きく100%以下で入力してください")
                    }
                    _ => {}
                },
                Component::Merged { rule, .. } => match rule {
                    MergedRule::PerOrganisation { amounts } => {
                        if amounts.iter().any(|a| negative(a.yen)) {
                            errors.add(&at("rule"), "金額は0円以上で入力してください");
                        }
                        let mut ids: Vec<i64> = amounts.iter().map(|a| a.organisation_id).collect();
                        ids.sort_unstable();
                        if ids.windows(2).any(|w| w[0] == w[1]) {
                            errors.add(&at("rule"), "同じ団体が2回あります");
                        }
                    }
                    MergedRule::PerUnit {
                        base_yen, yen_per_unit, ..
                    } => {
                        if negative(*base_yen) || negative(*yen_per_unit) {
                            errors.add(&at("rule"), "金額は0円以上で入力してください");
                        }
                    }
                },
                Component::Addition { yen, condition, .. } => {
                    if negative(*yen) {
                        errors.add(&at("yen"), "金額は0円以上で入力してください");
                    }
                    if let Condition::ElderlyRateAtLeast { permille } = condition
                        && !(0..=1000).contains(permille)
                    {
                        errors.add(&at("condition"), "高齢化率は0%から100%で入力してください");
                    }
                }
            }
        }
        // Saturating: a body may send any i64, and a sum must not overflow before it is judged.
        let shares = self
            .components
            .iter()
            .filter_map(Component::share)
            .fold(0i64, i64::saturating_add);
        let any_share = self.components.iter().any(|c| c.share().is_some());
        match (any_share, self.pool_yen) {
            (true, None) => errors.add(
                "pool_yen",
                "割合で配分する項目があるときは、配分する総額を入力してください",
            ),
            (true, Some(_)) if shares != WHOLE => errors.add(
                "pool_yen",
                format!("配分の割合の合計が100%になっていません（今は{}）", percent_text(shares)),
            ),
            (_, Some(pool)) if negative(pool) => errors.add("pool_yen", "総額は0円以上で入力してください"),
            _ => {}
        }
        if !ROUNDING_UNITS.contains(&self.rounding_unit) {
            errors.add(
                "rounding_unit",
                "端数処理の単位は1円・10円・100円・1,000円・10,000円から選んでください",
            );
        }
        if let (Some(floor), Some(cap)) = (self.floor_yen, self.cap_yen)
            && floor > cap
        {
            errors.add("cap_yen", "上限額が下限額より小さくなっています");
        }
        for (field, value) in [
            ("floor_yen", self.floor_yen),
            ("cap_yen", self.cap_yen),
            ("budget_yen", self.budget_yen),
        ] {
            if value.is_some_and(negative) {
                errors.add(field, "金額は0円以上で入力してください");
            }
        }
        if let Some(limit) = self.change_limit_percent
            && !(0..=100).contains(&limit)
        {
            errors.add("change_limit_percent", "激変緩和の幅は0%から100%で入力してください");
        }
        errors.into_result(())
    }

    /// Applies the formula to every recipient. The caller has checked it
    /// ([`Formula::check`]); an unchecked formula still gives amounts, never a panic.
    pub fn calculate(&self, recipients: &[Recipient]) -> Calculation {
        let count = i64::try_from(recipients.len()).unwrap_or(i64::MAX).max(1);
        let pool = self.pool_yen.unwrap_or(0);
        let total_of = |basis: Basis| -> i64 { recipients.iter().map(|r| r.figures.get(basis)).sum() };
        let mut derived_prices = Vec::new();
        for c in &self.components {
            match c {
                Component::Equal {
                    name,
                    price: Price::Share { basis_points },
                } => derived_prices.push(DerivedPrice {
                    component: name.clone(),
                    basis: None,
                    centi_yen: ratio(pool, *basis_points * 100, WHOLE * count),
                }),
                Component::PerUnit {
                    name,
                    basis,
                    price: Price::Share { basis_points },
                } => derived_prices.push(DerivedPrice {
                    component: name.clone(),
                    basis: Some(*basis),
                    centi_yen: ratio(
                        pool,
                        *basis_points * 100 * basis.scale(),
                        WHOLE * total_of(*basis).max(1),
                    ),
                }),
                _ => {}
            }
        }
        let allocations: Vec<Allocation> = recipients
            .iter()
            .map(|r| self.allocate(r, count, pool, &total_of))
            .collect();
        Calculation {
            total: allocations.iter().map(|a| a.amount).fold(0, i64::saturating_add),
            last_year_total: allocations
                .iter()
                .filter_map(|a| a.last_year)
                .fold(0, i64::saturating_add),
            allocations,
            budget_yen: self.budget_yen,
            derived_prices,
        }
    }

    fn allocate(&self, r: &Recipient, count: i64, pool: i64, total_of: &dyn Fn(Basis) -> i64) -> Allocation {
        let parts: Vec<Line> = self
            .components
            .iter()
            .map(|c| Line {
                label: c.name().to_owned(),
                yen: part(c, r, count, pool, total_of),
            })
            .collect();
        // Saturating: a price of 10^11 yen per person over a city is past i64; the
        // amount then stops at its ceiling instead of wrapping or panicking.
        let mut amount: i64 = parts.iter().map(|p| p.yen).fold(0, i64::saturating_add);
        let mut adjustments = Vec::new();
        let mut adjust = |label: &str, to: i64, amount: &mut i64| {
            if to != *amount {
                adjustments.push(Line {
                    label: label.to_owned(),
                    yen: to.saturating_sub(*amount),
                });
                *amount = to;
            }
        };
        if let (Some(limit), Some(last)) = (self.change_limit_percent, r.last_year) {
            // Within ±limit% of last year: the floor rounds up, the ceiling down, so both hold.
            let lowest = ceil_ratio(last, 100 - limit, 100);
            let highest = ratio(last, 100 + limit, 100);
            adjust("激変緩和", amount.clamp(lowest, highest.max(lowest)), &mut amount);
        }
        adjust(
            "端数処理",
            self.rounding.apply(amount, self.rounding_unit.max(1)),
            &mut amount,
        );
        if let Some(floor) = self.floor_yen {
            adjust("下限額", amount.max(floor), &mut amount);
        }
        if let Some(cap) = self.cap_yen {
            adjust("上限額", amount.min(cap), &mut amount);
        }
        Allocation {
            organisation_id: r.organisation_id,
            name: r.name.clone(),
            figures: r.figures,
            parts,
            adjustments,
            amount,
            last_year: r.last_year,
        }
    }
}

/// One component's yen for one recipient.
fn part(c: &Component, r: &Recipient, count: i64, pool: i64, total_of: &dyn Fn(Basis) -> i64) -> i64 {
    match c {
        Component::Equal { price, .. } => match price {
            Price::Fixed { yen } => *yen,
            Price::Share { basis_points } => ratio(pool, *basis_points, WHOLE * count),
        },
        Component::PerUnit { basis, price, .. } => {
            let units = r.figures.get(*basis);
            match price {
                Price::Fixed { yen } => ratio(*yen, units, basis.scale()),
                Price::Share { basis_points } => {
                    let total = total_of(*basis);
                    if total == 0 {
                        0
                    } else {
                        // pool × share × (units / total), in one division so no yen is lost early.
                        ratio_i128(
                            i128::from(pool) * i128::from(*basis_points) * i128::from(units),
                            i128::from(WHOLE) * i128::from(total),
                        )
                    }
                }
            }
        }
        Component::Merged { rule, .. } => match rule {
            MergedRule::PerOrganisation { amounts } => amounts
                .iter()
                .find(|a| a.organisation_id == r.organisation_id)
                .map_or(0, |a| a.yen),
            MergedRule::PerUnit {
                base_yen,
                basis,
                yen_per_unit,
            } => base_yen.saturating_add(ratio(*yen_per_unit, r.figures.get(*basis), basis.scale())),
        },
        Component::Addition { yen, condition, .. } => {
            let holds = match condition {
                Condition::EmploysStaff => r.employs_staff,
                Condition::ElderlyRateAtLeast { permille } => r.figures.elderly_permille() >= *permille,
            };
            if holds { *yen } else { 0 }
        }
    }
}

/// a × b / c, rounded down, without overflow; 0 when c is 0.
fn ratio(a: i64, b: i64, c: i64) -> i64 {
    ratio_i128(i128::from(a) * i128::from(b), i128::from(c))
}

fn ratio_i128(n: i128, d: i128) -> i64 {
    if d == 0 {
        return 0;
    }
    i64::try_from(n.div_euclid(d)).unwrap_or(i64::MAX)
}

/// a × b / c, rounded up.
fn ceil_ratio(a: i64, b: i64, c: i64) -> i64 {
    if c == 0 {
        return 0;
    }
    let n = i128::from(a) * i128::from(b);
    let d = i128::from(c);
    i64::try_from(-((-n).div_euclid(d))).unwrap_or(i64::MAX)
}

/// Basis points as people read a percentage: 3000 → 「30%」, 3350 → 「33.5%」.
pub fn percent_text(basis_points: i64) -> String {
    let whole = basis_points / 100;
    let frac = basis_points % 100;
    match frac {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

/// 「30」「33.5%」「３０％」 as basis points; at most two decimals.
pub fn parse_percent(raw: &str) -> Option<i64> {
    let s = crate::text::fold_ascii(raw.trim());
    crate::text::parse_hundredths(s.trim_end_matches('%').trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipient(id: i64, population: i64, households: i64, last_year: Option<i64>) -> Recipient {
        Recipient {
            organisation_id: id,
            name: format!("団体{id}"),
            figures: Figures {
                population,
                households,
                area_centi_km2: 1250,
                elderly: population * 4 / 10,
            },
            employs_staff: id == 1,
            last_year,
        }
    }

    fn niimi_like() -> Formula {
        Formula {
            components: vec![
                Component::Equal {
                    name: "基本額".into(),
                    price: Price::Fixed { yen: 1_000_000 },
                },
                Component::PerUnit {
                    name: "人口割".into(),
                    basis: Basis::Population,
                    price: Price::Fixed { yen: 500 },
                },
                Component::PerUnit {
                    name: "面積割".into(),
                    basis: Basis::Area,
                    price: Price::Fixed { yen: 10_000 },
                },
                Component::Merged {
                    name: "敬老会補助".into(),
                    rule: MergedRule::PerUnit {
                        base_yen: 10_000,
                        basis: Basis::Elderly,
                        yen_per_unit: 300,
                    },
                },
                Component::Merged {
                    name: "防犯灯電気料補助".into(),
                    rule: MergedRule::PerOrganisation {
                        amounts: vec![OrganisationYen {
                            organisation_id: 2,
                            yen: 48_000,
                        }],
                    },
                },
                Component::Addition {
                    name: "事務局人件費加算".into(),
                    yen: 600_000,
                    condition: Condition::EmploysStaff,
                },
            ],
            rounding_unit: 1_000,
            ..Default::default()
        }
    }

    #[test]
    fn every_line_is_shown_and_they_add_up() {
        let formula = niimi_like();
        formula.check().expect("a valid formula");
        let calc = formula.calculate(&[recipient(1, 1_234, 500, None), recipient(2, 800, 300, None)]);
        let first = &calc.allocations[0];
        let yen: Vec<i64> = first.parts.iter().map(|p| p.yen).collect();
        // 1,234人×500円; 12.50km²×10,000円; 10,000円 + 493人×300円; no 防犯灯; staff.
        assert_eq!(yen, [1_000_000, 617_000, 125_000, 157_900, 0, 600_000]);
        assert_eq!(
            first.adjustments,
            [Line {
                label: "端数処理".into(),
                yen: -900
            }]
        );
        assert_eq!(first.amount, 2_499_000);
        let lines: i64 = first.parts.iter().chain(&first.adjustments).map(|l| l.yen).sum();
        assert_eq!(lines, first.amount, "the lines add up to the amount");
        assert_eq!(calc.allocations[1].parts[4].yen, 48_000);
        assert_eq!(calc.total, calc.allocations.iter().map(|a| a.amount).sum::<i64>());
    }

    #[test]
    fn a_pool_split_by_shares_gives_the_unit_prices_and_never_more_than_the_pool() {
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
            ],
            pool_yen: Some(10_000_000),
            rounding_unit: 1,
            ..Default::default()
        };
        formula.check().expect("shares add to 100%");
        let recipients = [
            recipient(1, 1_000, 400, None),
            recipient(2, 2_000, 800, None),
            recipient(3, 3_001, 1_200, None),
        ];
        let calc = formula.calculate(&recipients);
        assert_eq!(calc.allocations[0].parts[0].yen, 1_000_000);
        // 7,000,000 × 1,000 / 6,001 = 1,166,472.25…
        assert_eq!(calc.allocations[0].parts[1].yen, 1_166_472);
        assert!(calc.total <= 10_000_000 && calc.total > 10_000_000 - 3);
        assert_eq!(calc.derived_prices[1].centi_yen, 116_647, "1人あたり 1,166.47円");
    }

    #[test]
    fn the_change_against_last_year_is_limited_then_rounded_floored_and_capped() {
        let mut formula = niimi_like();
        formula.change_limit_percent = Some(10);
        formula.cap_yen = Some(2_000_000);
        let calc = formula.calculate(&[
            recipient(1, 1_234, 500, Some(1_500_000)),
            recipient(2, 800, 300, Some(2_000_000)),
        ]);
        let first = &calc.allocations[0];
        // 2,499,900 is limited to 1,650,000 (last year +10%).
        assert_eq!(first.amount, 1_650_000);
        assert_eq!(first.adjustments[0].label, "激変緩和");
        assert_eq!(first.change(), Some(150_000));
        let second = &calc.allocations[1];
        // 1,000,000 + 400,000 + 125,000 + 106,000 + 48,000 = 1,679,000, raised to 1,800,000.
        assert_eq!(second.amount, 1_800_000);
        assert_eq!(calc.last_year_total, 3_500_000);

        formula.change_limit_percent = None;
        formula.floor_yen = Some(1_800_000);
        let calc = formula.calculate(&[recipient(1, 1_234, 500, None), recipient(2, 800, 300, None)]);
        assert_eq!(calc.allocations[0].amount, 2_000_000, "capped");
        assert_eq!(calc.allocations[1].amount, 1_800_000, "floored");
    }

    #[test]
    fn a_faulty_formula_names_each_fault() {
        let formula = Formula {
            components: vec![
                Component::Equal {
                    name: "".into(),
                    price: Price::Share { basis_points: 3_000 },
                },
                Component::Addition {
                    name: "高齢化加算".into(),
                    yen: -1,
                    condition: Condition::ElderlyRateAtLeast { permille: 1200 },
                },
            ],
            pool_yen: Some(1_000_000),
            rounding_unit: 500,
            floor_yen: Some(10),
            cap_yen: Some(5),
            ..Default::default()
        };
        let errors = formula.check().unwrap_err();
        let fields: Vec<&str> = errors.errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "components[0].name",
            "components[1].yen",
            "components[1].condition",
            "pool_yen",
            "rounding_unit",
            "cap_yen",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
        assert!(errors.get("pool_yen").is_some_and(|m| m.contains("30%")));
    }

    #[test]
    fn huge_numbers_from_a_caller_are_judged_not_overflowed() {
        let huge = Formula {
            components: vec![
                Component::Equal {
                    name: "均等割".into(),
                    price: Price::Share { basis_points: i64::MAX },
                },
                Component::PerUnit {
                    name: "人口割".into(),
                    basis: Basis::Population,
                    price: Price::Share { basis_points: i64::MAX },
                },
            ],
            pool_yen: Some(1),
            rounding_unit: 1,
            ..Default::default()
        };
        assert!(huge.check().is_err());
        let dear = Formula {
            components: vec![
                Component::PerUnit {
                    name: "人口割".into(),
                    basis: Basis::Population,
                    price: Price::Fixed { yen: 100_000_000_000 },
                },
                Component::Equal {
                    name: "基本額".into(),
                    price: Price::Fixed { yen: 100_000_000_000 },
                },
            ],
            rounding_unit: 10_000,
            rounding: RoundingMode::Up,
            ..Default::default()
        };
        dear.check().expect("each price is within bounds");
        let mut r = recipient(1, 1_000_000_000, 1, None);
        r.figures.population = 1_000_000_000;
        let calc = dear.calculate(&[r.clone(), r]);
        assert_eq!(calc.total, i64::MAX, "saturated, not wrapped");
    }

    #[test]
    fn rounding_and_percentages_read_as_people_write_them() {
        assert_eq!(RoundingMode::Down.apply(12_345, 1_000), 12_000);
        assert_eq!(RoundingMode::Nearest.apply(12_500, 1_000), 13_000);
        assert_eq!(RoundingMode::Up.apply(12_001, 1_000), 13_000);
        assert_eq!(RoundingMode::Up.apply(12_000, 1_000), 12_000);
        assert_eq!(parse_percent("33.5%"), Some(3_350));
        assert_eq!(parse_percent("３０％"), Some(3_000));
        assert_eq!(parse_percent("1.234"), None);
        assert_eq!(percent_text(3_350), "33.5%");
        assert_eq!(percent_text(3_000), "30%");
        assert_eq!(percent_text(1_234), "12.34%");
    }
}
