//! The projects (事業) of a 年度計画: purpose, months, who runs it, the
//! 分野 of the future plan it serves, budget lines in whole yen with their
//! funding source, and — during and after the year — its progress.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::goals::{IndicatorValue, Indicators};
use crate::validation::{FieldErrors, Fields};

/// Where a budget line's money comes from (財源).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FundingSource {
    /// 交付金 (the block grant).
    Grant,
    /// 自主財源.
    OwnFunds,
    /// 会費.
    Dues,
    /// 他の補助金.
    OtherSubsidy,
    /// 協賛・広告.
    Sponsorship,
}

impl FundingSource {
    pub const ALL: [FundingSource; 5] = [
        FundingSource::Grant,
        FundingSource::OwnFunds,
        FundingSource::Dues,
        FundingSource::OtherSubsidy,
        FundingSource::Sponsorship,
    ];

    pub fn key(self) -> &'static str {
        match self {
            FundingSource::Grant => "grant",
            FundingSource::OwnFunds => "own_funds",
            FundingSource::Dues => "dues",
            FundingSource::OtherSubsidy => "other_subsidy",
            FundingSource::Sponsorship => "sponsorship",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            FundingSource::Grant => "交付金",
            FundingSource::OwnFunds => "自主財源",
            FundingSource::Dues => "会費",
            FundingSource::OtherSubsidy => "他の補助金",
            FundingSource::Sponsorship => "協賛・広告",
        }
    }
}

/// How a project stands (進捗).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// 未着手.
    NotStarted,
    /// 実施中.
    InProgress,
    /// 完了.
    Done,
    /// 中止.
    Cancelled,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 4] = [
        ProjectStatus::NotStarted,
        ProjectStatus::InProgress,
        ProjectStatus::Done,
        ProjectStatus::Cancelled,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ProjectStatus::NotStarted => "not_started",
            ProjectStatus::InProgress => "in_progress",
            ProjectStatus::Done => "done",
            ProjectStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            ProjectStatus::NotStarted => "未着手",
            ProjectStatus::InProgress => "実施中",
            ProjectStatus::Done => "完了",
            ProjectStatus::Cancelled => "中止",
        }
    }
}

/// A budget line (予算): 費目, amount in whole yen, its source, and what was spent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BudgetLine {
    /// 費目 (報償費, 消耗品費, 委託料…).
    #[schema(min_length = 1, max_length = 100)]
    pub item: String,
    pub source: FundingSource,
    /// Planned, in yen.
    #[schema(minimum = 0)]
    pub amount: i64,
    /// Spent (決算), in yen, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0)]
    pub actual: Option<i64>,
}

/// The budget lines as kept in the database (JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Budget(pub Vec<BudgetLine>);

impl TryFrom<String> for Budget {
    type Error = serde_json::Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text)
    }
}

impl Budget {
    pub fn total(&self) -> i64 {
        self.0.iter().map(|l| l.amount).sum()
    }

    pub fn actual_total(&self) -> Option<i64> {
        self.0.iter().map(|l| l.actual).sum()
    }

    /// The planned amount from `source`.
    pub fn from_source(&self, source: FundingSource) -> i64 {
        self.0.iter().filter(|l| l.source == source).map(|l| l.amount).sum()
    }
}

/// A project (事業) of a 年度計画.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Project {
    pub id: i64,
    pub plan_id: i64,
    pub name: String,
    /// The 分野 of the adopted 将来計画 it serves; none, or one the plan
    /// does not have, is flagged (the block grant may refuse it).
    pub theme: Option<String>,
    pub purpose: Option<String>,
    /// The months it runs in, April first (kept as 「4,5,10」, sent as a list
    /// so that what `GET` gives is what `PATCH` takes).
    #[serde(serialize_with = "months_as_list")]
    #[schema(value_type = Vec<u32>)]
    pub months: String,
    /// The 部会 or group that runs it.
    pub responsible: Option<String>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    #[schema(value_type = Vec<BudgetLine>)]
    pub budget: Budget,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: ProjectStatus,
    /// What was done (実績).
    pub outcome: Option<String>,
    /// How many took part (参加者数).
    pub participants: Option<i64>,
    /// The city department it works with (関係部署), which reads the plan.
    pub department_id: Option<i64>,
    /// The future plan's indicators it moves, with the values reached.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    #[schema(value_type = Vec<IndicatorValue>)]
    pub indicators: Indicators,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

/// 「通年」, or the months as people write them: 「7・8月」.
pub fn months_label(months: &str) -> String {
    let list: Vec<&str> = months.split(',').filter(|m| !m.is_empty()).collect();
    match list.len() {
        0 => String::new(),
        12 => "通年".to_owned(),
        _ => format!("{}月", list.join("・")),
    }
}

fn months_as_list<S: serde::Serializer>(months: &str, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let list: Vec<u32> = months.split(',').filter_map(|m| m.trim().parse().ok()).collect();
    let mut seq = s.serialize_seq(Some(list.len()))?;
    for m in list {
        seq.serialize_element(&m)?;
    }
    seq.end()
}

/// A body's 年度計画 as the coordinator's summary names it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AnnualPlanOf {
    pub organisation_id: i64,
    pub organisation_code: String,
    pub organisation_name: String,
    pub plan_id: i64,
    pub plan_title: String,
    /// The 年度計画's adoption (議決), none while it is a draft.
    pub adopted_on: Option<chrono::NaiveDate>,
}

/// One project in the coordinator's summary of a 年度 across bodies.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct SummaryRow {
    #[serde(flatten)]
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    pub plan: AnnualPlanOf,
    pub project_id: i64,
    pub name: String,
    pub theme: Option<String>,
    pub months: String,
    pub responsible: Option<String>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    #[schema(value_type = Vec<BudgetLine>)]
    pub budget: Budget,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: ProjectStatus,
    pub participants: Option<i64>,
}

/// One body's line in the coordinator's summary of a 年度 (年度計画の一覧):
/// its 年度計画 and the sums of its projects.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct BodySummary {
    #[serde(flatten)]
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    pub plan: AnnualPlanOf,
    /// How many projects (事業), and how many of them are 完了.
    pub projects: i64,
    pub done: i64,
    /// 予算の合計 and うち交付金, in yen.
    pub budget_total: i64,
    pub grant_total: i64,
}

/// A body's 年度計画 with the sums of its projects under one 分野 (none: no
/// 分野, or no project at all): what the summary reads, one row per (plan, 分野).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ThemeSums {
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    pub sums: BodySummary,
    pub theme: Option<String>,
}

/// Folds (plan, 分野) rows, in plan order, into one line per plan, counting
/// the projects under a 分野 that `off_theme(organisation, 分野)` flags.
pub fn by_body(rows: Vec<ThemeSums>, off_theme: impl Fn(i64, Option<&str>) -> bool) -> Vec<(BodySummary, i64)> {
    let mut out: Vec<(BodySummary, i64)> = Vec::new();
    for ThemeSums { sums, theme } in rows {
        let flagged = if sums.projects > 0 && off_theme(sums.plan.organisation_id, theme.as_deref()) {
            sums.projects
        } else {
            0
        };
        match out.last_mut() {
            Some((body, off)) if body.plan.plan_id == sums.plan.plan_id => {
                body.projects += sums.projects;
                body.done += sums.done;
                body.budget_total += sums.budget_total;
                body.grant_total += sums.grant_total;
                *off += flagged;
            }
            _ => out.push((sums, flagged)),
        }
    }
    out
}

impl TryFrom<String> for ProjectStatus {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        ProjectStatus::from_key(&key).ok_or_else(|| format!("unknown project status {key}"))
    }
}

/// What a project is written with.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectInput {
    pub name: String,
    pub theme: Option<String>,
    pub purpose: Option<String>,
    pub months: Vec<u32>,
    pub responsible: Option<String>,
    pub budget: Budget,
    pub status: ProjectStatus,
    pub outcome: Option<String>,
    pub participants: Option<i64>,
    pub department_id: Option<i64>,
    pub indicators: Vec<IndicatorValue>,
    /// Why a project of an adopted plan changes mid-year (変更の理由).
    pub change_reason: Option<String>,
}

/// The most budget lines a project has.
pub const MAX_LINES: usize = 12;

/// An amount in whole yen: 「12,000」「１２０００円」 are 12000; a fraction or a
/// negative amount is refused.
pub fn parse_yen(raw: &str) -> Result<i64, &'static str> {
    let s = crate::text::normalize_digits(raw);
    let s = s.trim().trim_end_matches('円').replace([',', '，', '、'], "");
    if s.starts_with('-') {
        return Err("金額は0円以上で入力してください");
    }
    if s.contains('.') {
        return Err("金額は1円単位の整数で入力してください");
    }
    s.parse::<i64>()
        .ok()
        .filter(|n| *n <= 100_000_000_000)
        .ok_or("金額は「12000」「12,000円」のように数字で入力してください")
}

/// 「4,5,10」「4月、10月」: months of the year, each once, April first.
pub fn parse_months(raw: &str) -> Result<Vec<u32>, &'static str> {
    let mut months = Vec::new();
    for part in raw.split([',', '、', ' ', '，']).filter(|p| !p.trim().is_empty()) {
        let m: u32 = crate::text::normalize_digits(part)
            .trim()
            .trim_end_matches('月')
            .parse()
            .map_err(|_| "実施月は「4,5,10」のように数字で入力してください")?;
        if !(1..=12).contains(&m) {
            return Err("実施月は1〜12で入力してください");
        }
        if !months.contains(&m) {
            months.push(m);
        }
    }
    months.sort_by_key(|m| (m + 8) % 12);
    Ok(months)
}

impl ProjectInput {
    /// Reads a project from form fields; budget lines come as
    /// `line{i}_item`, `line{i}_source`, `line{i}_amount`, `line{i}_actual`,
    /// and `budget_total`, when sent, must be their sum.
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let name = f.required("name", "事業名", 200);
        let theme = f.optional("theme", "分野", 40);
        let purpose = f.text("purpose", "目的", 4000, false);
        let months = match parse_months(&get("months").unwrap_or_default()) {
            Ok(m) => m,
            Err(message) => {
                f.errors.add("months", message);
                Vec::new()
            }
        };
        let responsible = f.optional("responsible", "担当（部会など）", 100);
        let mut lines = Vec::new();
        for i in 0..MAX_LINES {
            let item = get(&format!("line{i}_item"))
                .map(|s| crate::text::normalize_input(&s))
                .unwrap_or_default();
            let amount_raw = get(&format!("line{i}_amount")).unwrap_or_default();
            if item.is_empty() && amount_raw.trim().is_empty() {
                continue;
            }
            let field = format!("line{i}_amount");
            if item.is_empty() {
                f.errors.add(&format!("line{i}_item"), "費目を入力してください");
            } else if item.chars().count() > 100 {
                f.errors
                    .add(&format!("line{i}_item"), "費目は100文字以内で入力してください");
            }
            let amount = parse_yen(&amount_raw).map_err(|m| f.errors.add(&field, format!("{item}: {m}")));
            let actual = match get(&format!("line{i}_actual")).filter(|a| !a.trim().is_empty()) {
                Some(raw) => parse_yen(&raw)
                    .map(Some)
                    .map_err(|m| f.errors.add(&format!("line{i}_actual"), format!("{item}（決算）: {m}"))),
                None => Ok(None),
            };
            let source = get(&format!("line{i}_source"))
                .and_then(|s| FundingSource::from_key(&s))
                .unwrap_or(FundingSource::Grant);
            if let (Ok(amount), Ok(actual)) = (amount, actual) {
                lines.push(BudgetLine {
                    item,
                    source,
                    amount,
                    actual,
                });
            }
        }
        let budget = Budget(lines);
        if let Some(raw) = get("budget_total").filter(|t| !t.trim().is_empty()) {
            match parse_yen(&raw) {
                Ok(total) if total != budget.total() => f.errors.add(
                    "budget_total",
                    format!("予算の合計 {total}円 が費目の合計 {}円 と合いません", budget.total()),
                ),
                Ok(_) => {}
                Err(m) => f.errors.add("budget_total", m),
            }
        }
        let keys: Vec<String> = ProjectStatus::ALL.iter().map(|s| s.key().to_owned()).collect();
        let status = f
            .choice("status", "進捗", &keys, false)
            .and_then(|k| ProjectStatus::from_key(&k))
            .unwrap_or(ProjectStatus::NotStarted);
        let outcome = f.text("outcome", "実施内容", 4000, false);
        let participants = match get("participants").filter(|p| !p.trim().is_empty()) {
            Some(raw) => match crate::text::normalize_digits(&raw)
                .trim()
                .trim_end_matches('人')
                .parse::<i64>()
            {
                Ok(n) if (0..=1_000_000).contains(&n) => Some(n),
                _ => {
                    f.errors.add("participants", "参加者数は0以上の数字で入力してください");
                    None
                }
            },
            None => None,
        };
        let change_reason = f.text("change_reason", "変更の理由", 2000, false);
        let department_id = f.id("department_id", "関係部署", false);
        let indicators = super::goals::parse_indicators(get, &mut f.errors);
        let input = ProjectInput {
            name,
            theme,
            purpose,
            months,
            responsible,
            budget,
            status,
            outcome,
            participants,
            department_id,
            indicators,
            change_reason,
        };
        f.finish(input)
    }

    pub fn months_text(&self) -> String {
        self.months.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
    }
}

/// The 分野 a project names, checked against the adopted future plan's
/// (`themes`, none when the body has none): `None` when it fits, else why it
/// is flagged. Without a future plan a project is flagged only where the
/// scheme's block grant asks for one (`future_plan_required`).
pub fn theme_flag(theme: Option<&str>, themes: Option<&[String]>, future_plan_required: bool) -> Option<&'static str> {
    match (theme, themes) {
        (_, None) if future_plan_required => Some("採択された将来計画がありません"),
        (_, None) => None,
        (None, Some(_)) => Some("将来計画の分野に位置づけられていません"),
        (Some(t), Some(ts)) if !ts.iter().any(|x| x == t) => Some("将来計画にない分野です"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_rows_fold_into_one_line_per_body() {
        let row = |plan: i64, theme: Option<&str>, projects: i64, grant: i64| ThemeSums {
            sums: BodySummary {
                plan: AnnualPlanOf {
                    organisation_id: plan * 10,
                    organisation_code: format!("O{plan}"),
                    organisation_name: format!("団体{plan}"),
                    plan_id: plan,
                    plan_title: "事業計画".into(),
                    adopted_on: None,
                },
                projects,
                done: projects / 2,
                budget_total: grant * 2,
                grant_total: grant,
            },
            theme: theme.map(str::to_owned),
        };
        let rows = vec![
            row(1, Some("防災"), 3, 100),
            row(1, Some("観光"), 1, 10),
            row(1, None, 2, 5),
            row(2, None, 0, 0),
        ];
        let lines = by_body(rows, |_, theme| theme != Some("防災"));
        assert_eq!(lines.len(), 2);
        let (first, off) = &lines[0];
        assert_eq!((first.projects, first.grant_total, *off), (6, 115, 3));
        assert_eq!(
            (lines[1].0.projects, lines[1].1),
            (0, 0),
            "a plan without projects flags nothing"
        );
    }

    #[test]
    fn yen_are_whole_and_not_negative() {
        assert_eq!(parse_yen("１２，０００円"), Ok(12000));
        assert_eq!(parse_yen("12000"), Ok(12000));
        assert!(parse_yen("1200.5").is_err());
        assert!(parse_yen("-300").is_err());
        assert!(parse_yen("千円").is_err());
    }

    #[test]
    fn months_run_from_april() {
        assert_eq!(parse_months("1月、4, 10"), Ok(vec![4, 10, 1]));
        assert!(parse_months("13").is_err());
    }

    #[test]
    fn a_total_that_does_not_add_up_is_refused() {
        let get = |k: &str| match k {
            "name" => Some("夏まつり".to_owned()),
            "line0_item" => Some("消耗品費".to_owned()),
            "line0_amount" => Some("30,000".to_owned()),
            "line1_item" => Some("報償費".to_owned()),
            "line1_amount" => Some("20000".to_owned()),
            "line1_source" => Some("dues".to_owned()),
            "budget_total" => Some("60000".to_owned()),
            _ => None,
        };
        let e = ProjectInput::parse(&get).unwrap_err();
        assert!(e.get("budget_total").unwrap().contains("50000円"));
    }

    #[test]
    fn a_project_outside_the_future_plans_themes_is_flagged() {
        let themes = vec!["防災".to_owned(), "福祉".to_owned()];
        assert_eq!(theme_flag(Some("防災"), Some(&themes), true), None);
        assert!(theme_flag(Some("観光"), Some(&themes), false).is_some());
        assert!(theme_flag(None, Some(&themes), false).is_some());
        assert!(theme_flag(Some("防災"), None, true).is_some());
        assert_eq!(theme_flag(Some("防災"), None, false), None, "no future plan asked for");
    }
}
