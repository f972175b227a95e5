//! A grant scheme (交付金の制度) for one 年度: its name, the reference date
//! its figures are read on (基準日), its formula, and the organisations that
//! employ office staff that year.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::formula::Formula;
use super::rules::ProcedureRules;
use crate::validation::{FieldErrors, Fields};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct GrantScheme {
    pub id: i64,
    pub municipality_id: i64,
    /// 年度 (the year April begins).
    pub fiscal_year: i32,
    pub name: String,
    /// 基準日: the figures (人口・世帯数…) are those of this day.
    pub reference_date: NaiveDate,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub formula: Formula,
    /// Organisations employing office staff this year (事務局人件費の加算).
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    #[schema(value_type = Vec<i64>)]
    pub staffed: Staffed,
    /// The procedure's dates, installments, 流用 and 繰越.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub rules: ProcedureRules,
    pub note: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The staffed organisations' ids, kept as a JSON list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Staffed(pub Vec<i64>);

impl TryFrom<String> for Staffed {
    type Error = serde_json::Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text)
    }
}

impl TryFrom<String> for Formula {
    type Error = serde_json::Error;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&text)
    }
}

/// What a scheme is, as typed into the form or sent to the API; the formula
/// comes with it whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantSchemeInput {
    pub fiscal_year: i32,
    pub name: String,
    pub reference_date: NaiveDate,
    pub note: Option<String>,
}

impl GrantSchemeInput {
    /// `fiscal_year` takes 「2027」「令和9」「R9」.
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let year_text = get("fiscal_year").unwrap_or_default();
        let fiscal_year = crate::wareki::parse_fiscal_year(year_text.trim());
        if fiscal_year.is_none() {
            f.errors.add(
                "fiscal_year",
                if year_text.trim().is_empty() {
                    "年度を入力してください"
                } else {
                    "年度は「2027」「令和9」のように入力してください"
                },
            );
        }
        let name = f.required("name", "名称", 100);
        let reference_date = f.date("reference_date", "基準日", true);
        let note = f.text("note", "備考", 2000, false);
        let input = match (fiscal_year, reference_date) {
            (Some(fiscal_year), Some(reference_date)) => Some(GrantSchemeInput {
                fiscal_year,
                name,
                reference_date,
                note,
            }),
            _ => None,
        };
        f.finish(input)
            .map(|i| i.expect("the year and the date are present when there are no errors"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scheme_reads_its_year_in_wareki_and_needs_its_reference_date() {
        let form = |k: &str| match k {
            "fiscal_year" => Some("令和9".to_owned()),
            "name" => Some("小規模多機能自治一括交付金".to_owned()),
            "reference_date" => Some("R9.4.1".to_owned()),
            _ => None,
        };
        let input = GrantSchemeInput::parse(&form).expect("valid");
        assert_eq!(input.fiscal_year, 2027);
        assert_eq!(input.reference_date, NaiveDate::from_ymd_opt(2027, 4, 1).unwrap());
        let missing = |k: &str| (k == "name").then(|| "交付金".to_owned());
        let errors = GrantSchemeInput::parse(&missing).unwrap_err();
        assert!(errors.get("fiscal_year").is_some() && errors.get("reference_date").is_some());
    }
}
