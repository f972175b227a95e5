//! Areas (地区): a tree whose levels each municipality names (区 →
//! センター → 小学校区…); one level is the liaison unit teams serve.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::csv_import::Column;
use crate::validation::{FieldErrors, Fields};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Area {
    pub id: i64,
    pub municipality_id: i64,
    pub parent_id: Option<i64>,
    /// Depth in the tree: index into the scheme's `area_levels`.
    pub level: i32,
    pub code: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub note: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    /// Bumped on every change; an edit based on an older version is refused.
    pub version: i64,
}

/// A validated area as typed into a form, the API or a CSV line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaInput {
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub note: Option<String>,
}

impl AreaInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let input = AreaInput {
            parent_id: f.id("parent_id", "上位の地区", false),
            code: f.code("code", "地区コード", true).unwrap_or_default(),
            name: f.required("name", "地区名", 100),
            name_kana: f.kana("name_kana", "ふりがな", false),
            note: f.text("note", "備考", 2000, false),
        };
        f.finish(input)
    }
}

/// Columns of the areas CSV, in export order.
pub const CSV_COLUMNS: &[Column] = &[
    Column::required("code", "地区コード"),
    Column::required("name", "地区名"),
    Column::optional("name_kana", "ふりがな"),
    Column::optional("parent_code", "上位地区コード"),
    Column::optional("level_name", "階層"),
    Column::optional("note", "備考"),
];

/// An area with what its CSV line and tree view need from related rows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct AreaRow {
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    #[serde(flatten)]
    pub area: Area,
    pub parent_code: Option<String>,
    pub parent_name: Option<String>,
}

impl AreaRow {
    pub fn csv_record(&self, scheme: &crate::scheme::SchemeSettings) -> Vec<String> {
        let a = &self.area;
        vec![
            a.code.clone(),
            a.name.clone(),
            a.name_kana.clone().unwrap_or_default(),
            self.parent_code.clone().unwrap_or_default(),
            scheme.level_name(usize::try_from(a.level).unwrap_or(0)).to_owned(),
            a.note.clone().unwrap_or_default(),
        ]
    }
}

/// `root` and every area below it, from the municipality's `all` areas.
pub fn subtree(all: &[Area], root: i64) -> Vec<i64> {
    let mut ids = vec![root];
    let mut i = 0;
    while i < ids.len() {
        let parent = ids[i];
        ids.extend(all.iter().filter(|a| a.parent_id == Some(parent)).map(|a| a.id));
        i += 1;
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_normalises_and_reports() {
        let get = |k: &str| match k {
            "code" => Some("Ａ０１".to_owned()),
            "name" => Some("　万田地区 ".to_owned()),
            "name_kana" => Some("ﾏﾝﾀﾞ".to_owned()),
            _ => None,
        };
        let input = AreaInput::parse(&get).unwrap();
        assert_eq!(input.code, "A01");
        assert_eq!(input.name, "万田地区");
        assert_eq!(input.name_kana.as_deref(), Some("マンダ"));
        assert_eq!(input.parent_id, None);

        let errors = AreaInput::parse(&|_: &str| None).unwrap_err();
        assert!(errors.get("code").is_some() && errors.get("name").is_some());
    }
}
