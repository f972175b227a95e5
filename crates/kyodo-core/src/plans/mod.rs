//! The plans a community body works by (計画): the 将来計画 over several
//! 年度 (目指す姿, 分野, 地域の課題), the 年度計画 of one 年度 whose projects
//! (事業) stand under the future plan's 分野, and the 地区防災計画 with its
//! sections. An adopted plan keeps each earlier text as a revision.

pub mod goals;
pub mod overdue;
pub mod projects;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::validation::{FieldErrors, Fields};

/// Which plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// 将来計画 (地域の将来計画): several 年度.
    Future,
    /// 年度計画: one 年度, its projects under the future plan's 分野.
    Annual,
    /// 地区防災計画, reviewed yearly.
    DisasterPrevention,
}

impl PlanKind {
    pub const ALL: [PlanKind; 3] = [PlanKind::Future, PlanKind::Annual, PlanKind::DisasterPrevention];

    pub fn key(self) -> &'static str {
        match self {
            PlanKind::Future => "future",
            PlanKind::Annual => "annual",
            PlanKind::DisasterPrevention => "disaster_prevention",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            PlanKind::Future => "将来計画",
            PlanKind::Annual => "年度計画",
            PlanKind::DisasterPrevention => "地区防災計画",
        }
    }

    /// The sections its text is written in: (key, heading).
    pub fn sections(self) -> &'static [(&'static str, &'static str)] {
        match self {
            PlanKind::Future => &[
                ("vision", "目指す姿"),
                ("issues", "地域の課題（ワークショップで洗い出したこと）"),
            ],
            PlanKind::Annual => &[("policy", "今年度の方針")],
            PlanKind::DisasterPrevention => &[
                ("character", "地区の特性"),
                ("hazards", "想定される災害"),
                ("activities", "防災活動"),
                ("shelters", "避難所と避難経路"),
                ("roles", "役割分担"),
                ("drills", "訓練の記録"),
            ],
        }
    }
}

impl TryFrom<String> for PlanKind {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        PlanKind::from_key(&key).ok_or_else(|| format!("unknown plan kind {key}"))
    }
}

/// One section of a plan's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanSection {
    /// One of the kind's section keys (`vision`, `hazards`…).
    pub key: String,
    pub text: String,
}

/// The sections, 分野 and goals as kept in the database (JSON text).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanText {
    pub sections: Vec<PlanSection>,
    /// 分野 (地域づくり、防犯、交通安全、防災、福祉、子育て…), for a future plan.
    pub themes: Vec<String>,
    /// Goals with their indicators (目標と指標), for a future plan.
    #[serde(default)]
    pub goals: Vec<goals::Goal>,
    /// The issues (課題 No.) that led to a future plan.
    #[serde(default)]
    pub issue_ids: Vec<i64>,
}

impl TryFrom<String> for PlanText {
    type Error = serde_json::Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text)
    }
}

impl PlanText {
    pub fn section(&self, key: &str) -> &str {
        self.sections
            .iter()
            .find(|s| s.key == key)
            .map_or("", |s| s.text.as_str())
    }
}

/// A plan (計画).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Plan {
    pub id: i64,
    pub municipality_id: i64,
    pub organisation_id: i64,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub kind: PlanKind,
    pub title: String,
    /// The first 年度 it covers (2026 for 令和8年度).
    pub first_year: i32,
    /// The last 年度 (the same for a 年度計画).
    pub last_year: i32,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub text: PlanText,
    /// Adopted (議決) on this day, by `adopted_by` (総会…); a draft until then.
    pub adopted_on: Option<NaiveDate>,
    pub adopted_by: Option<String>,
    /// Locked by the coordinator: the adopted text is final.
    pub locked_at: Option<DateTime<Utc>>,
    /// The body publishes the adopted plan and its progress (事業報告) on
    /// the public site (公開).
    pub public: bool,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

impl Plan {
    pub fn adopted(&self) -> bool {
        self.adopted_on.is_some()
    }

    /// 「令和8年度〜令和12年度」 or 「令和8年度」.
    pub fn period(&self) -> String {
        let first = crate::wareki::format_fiscal_year(self.first_year);
        if self.first_year == self.last_year {
            first
        } else {
            format!("{first}〜{}", crate::wareki::format_fiscal_year(self.last_year))
        }
    }
}

/// A plan with its organisation's name, for lists.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PlanRow {
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    #[serde(flatten)]
    pub plan: Plan,
    pub organisation_name: String,
}

/// What a plan is written with.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanInput {
    pub organisation_id: i64,
    pub kind: PlanKind,
    pub title: String,
    pub first_year: i32,
    pub last_year: i32,
    pub text: PlanText,
    pub adopted_on: Option<NaiveDate>,
    pub adopted_by: Option<String>,
    /// Why an adopted plan is changed (変更の理由).
    pub change_reason: Option<String>,
}

/// The most issues a future plan names as its origin.
pub const MAX_ISSUES: usize = 30;

/// 「25, 31」「No.25 No.31」「２５、３１」: issue numbers, each once.
fn issue_numbers(raw: &str, errors: &mut FieldErrors) -> Vec<i64> {
    let mut ids = Vec::new();
    let text = crate::text::normalize_digits(&crate::text::fold_ascii(raw)).replace(['N', 'n', 'o', 'O', '.'], " ");
    for part in text.split([',', '、', ' ', '\n']).filter(|p| !p.trim().is_empty()) {
        match part.trim().parse::<i64>() {
            Ok(id) if id > 0 => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            _ => {
                errors.add("issue_ids", "課題の番号は「25, 31」のように数字で入力してください");
                return Vec::new();
            }
        }
    }
    if ids.len() > MAX_ISSUES {
        errors.add("issue_ids", format!("課題は{MAX_ISSUES}件までにしてください"));
    }
    ids
}

/// The longest a future plan runs.
pub const MAX_YEARS: i32 = 10;

fn year(f: &mut Fields, field: &str, label: &str) -> Option<i32> {
    let raw = f.optional(field, label, 20)?;
    let year = crate::wareki::parse_fiscal_year(&raw);
    if year.is_none() {
        f.errors.add(
            field,
            format!("{label}は「2026」「令和8年度」「R8」のように入力してください"),
        );
    }
    year
}

impl PlanInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let keys: Vec<String> = PlanKind::ALL.iter().map(|k| k.key().to_owned()).collect();
        let kind = f
            .choice("kind", "計画の種類", &keys, true)
            .and_then(|k| PlanKind::from_key(&k));
        let organisation_id = f.id("organisation_id", "団体", true);
        let title = f.required("title", "計画の名称", 200);
        let first_year = year(&mut f, "first_year", "開始年度");
        let last_year = year(&mut f, "last_year", "終了年度");
        if first_year.is_none() && f.errors.get("first_year").is_none() {
            f.errors.add("first_year", "開始年度を入力してください");
        }
        let mut sections = Vec::new();
        for (key, heading) in kind.map(PlanKind::sections).unwrap_or_default() {
            if let Some(text) = f.text(&format!("section_{key}"), heading, 20_000, false) {
                sections.push(PlanSection {
                    key: (*key).to_owned(),
                    text,
                });
            }
        }
        let themes: Vec<String> = get("themes")
            .unwrap_or_default()
            .split(['\n', ',', '、'])
            .map(crate::text::normalize_input)
            .filter(|t| !t.is_empty())
            .collect();
        if themes.iter().any(|t| t.chars().count() > 40) {
            f.errors.add("themes", "分野は1つ40文字以内で入力してください");
        }
        let goals = goals::parse_goals(get, &mut f.errors);
        let issue_ids = issue_numbers(&get("issue_ids").unwrap_or_default(), &mut f.errors);
        let adopted_on = f.date("adopted_on", "議決日", false);
        let adopted_by = f.optional("adopted_by", "議決した会議", 100);
        if adopted_on.is_some() != adopted_by.is_some() {
            f.errors
                .add("adopted_by", "議決日と議決した会議（総会など）は両方入力してください");
        }
        let change_reason = f.text("change_reason", "変更の理由", 2000, false);
        let (Some(kind), Some(organisation_id), Some(first_year)) = (kind, organisation_id, first_year) else {
            return Err(if f.errors.is_empty() {
                FieldErrors::single("kind", "計画の種類を選んでください")
            } else {
                f.errors
            });
        };
        let last_year = match kind {
            PlanKind::Future => last_year.unwrap_or(first_year),
            _ => {
                if last_year.is_some_and(|l| l != first_year) {
                    f.errors
                        .add("last_year", format!("{}は1つの年度の計画です", kind.label()));
                }
                first_year
            }
        };
        if last_year < first_year {
            f.errors.add("last_year", "終了年度は開始年度以降にしてください");
        } else if last_year - first_year >= MAX_YEARS {
            f.errors.add(
                "last_year",
                format!("将来計画の期間は{MAX_YEARS}年度以内にしてください"),
            );
        }
        if kind == PlanKind::Future && themes.is_empty() {
            f.errors.add(
                "themes",
                "分野を1つ以上入力してください（事業はいずれかの分野に位置づけます）",
            );
        }
        let input = PlanInput {
            organisation_id,
            kind,
            title,
            first_year,
            last_year,
            text: if kind == PlanKind::Future {
                PlanText {
                    sections,
                    themes,
                    goals,
                    issue_ids,
                }
            } else {
                PlanText {
                    sections,
                    ..PlanText::default()
                }
            },
            adopted_on,
            adopted_by,
            change_reason,
        };
        f.finish(input)
    }
}

/// An earlier text of a plan, kept when an adopted plan changes (変更).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PlanRevision {
    pub id: i64,
    pub plan_id: i64,
    /// The version the text was, before the change.
    pub version: i64,
    /// What changed, field by field (JSON).
    pub changes: String,
    pub reason: Option<String>,
    pub actor_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Advice on a plan or one of its projects (助言), and the replies.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PlanComment {
    pub id: i64,
    pub plan_id: i64,
    pub project_id: Option<i64>,
    pub body: String,
    pub actor_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(pairs: &[(&str, &str)]) -> Result<PlanInput, FieldErrors> {
        let owned: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let get = |k: &str| owned.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
        PlanInput::parse(&get)
    }

    #[test]
    fn a_future_plan_runs_several_years_with_themes() {
        let p = input(&[
            ("kind", "future"),
            ("organisation_id", "1"),
            ("title", "唐松地域の将来計画"),
            ("first_year", "R8"),
            ("last_year", "令和12年度"),
            ("themes", "地域づくり\n防災、福祉"),
            ("section_vision", "人と人とがつながる唐松"),
        ])
        .unwrap();
        assert_eq!((p.first_year, p.last_year), (2026, 2030));
        assert_eq!(p.text.themes, ["地域づくり", "防災", "福祉"]);
        assert_eq!(p.text.section("vision"), "人と人とがつながる唐松");
        let p = input(&[
            ("kind", "future"),
            ("organisation_id", "1"),
            ("title", "将来計画"),
            ("first_year", "R8"),
            ("themes", "福祉"),
            ("issue_ids", "No.25、３１ 25"),
        ])
        .unwrap();
        assert_eq!(p.text.issue_ids, [25, 31]);
        let e = input(&[
            ("kind", "future"),
            ("organisation_id", "1"),
            ("title", "将来計画"),
            ("first_year", "R8"),
            ("themes", "福祉"),
            ("issue_ids", "道路の件"),
        ])
        .unwrap_err();
        assert!(e.get("issue_ids").is_some());
    }

    #[test]
    fn periods_and_adoption_are_checked() {
        let e = input(&[
            ("kind", "future"),
            ("organisation_id", "1"),
            ("title", "計画"),
            ("first_year", "2030"),
            ("last_year", "2026"),
            ("adopted_on", "R8.5.1"),
        ])
        .unwrap_err();
        assert!(e.get("last_year").is_some());
        assert!(e.get("themes").is_some());
        assert!(e.get("adopted_by").is_some());
        let e = input(&[
            ("kind", "annual"),
            ("organisation_id", "1"),
            ("title", "令和8年度事業計画"),
            ("first_year", "2026"),
            ("last_year", "2027"),
        ])
        .unwrap_err();
        assert!(e.get("last_year").is_some(), "an annual plan is one 年度");
    }
}
