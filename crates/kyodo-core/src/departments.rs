//! Departments (部署): the city's 部/課/係 tree; issues are routed to them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::csv_import::Column;
use crate::validation::{FieldErrors, Fields};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Department {
    pub id: i64,
    pub municipality_id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub phone: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentInput {
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub phone: Option<String>,
}

impl DepartmentInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let phone = f.phone("phone", "電話番号");
        let input = DepartmentInput {
            parent_id: f.id("parent_id", "上位の部署", false),
            code: f.code("code", "部署コード", true).unwrap_or_default(),
            name: f.required("name", "部署名", 100),
            name_kana: f.kana("name_kana", "ふりがな", false),
            phone,
        };
        f.finish(input)
    }
}

pub const CSV_COLUMNS: &[Column] = &[
    Column::required("code", "部署コード"),
    Column::required("name", "部署名"),
    Column::optional("name_kana", "ふりがな"),
    Column::optional("parent_code", "上位部署コード"),
    Column::optional("phone", "電話番号"),
];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct DepartmentRow {
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    #[serde(flatten)]
    pub department: Department,
    pub parent_code: Option<String>,
    pub parent_name: Option<String>,
}

impl DepartmentRow {
    pub fn csv_record(&self) -> Vec<String> {
        let d = &self.department;
        vec![
            d.code.clone(),
            d.name.clone(),
            d.name_kana.clone().unwrap_or_default(),
            self.parent_code.clone().unwrap_or_default(),
            d.phone.clone().unwrap_or_default(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_is_normalised_and_checked() {
        let get = |k: &str| match k {
            "code" => Some("D01".to_owned()),
            "name" => Some("地域政策課".to_owned()),
            "phone" => Some("０９６８－６３－１１１１".to_owned()),
            _ => None,
        };
        assert_eq!(
            DepartmentInput::parse(&get).unwrap().phone.as_deref(),
            Some("0968-63-1111")
        );
        let bad = |k: &str| match k {
            "code" => Some("D01".to_owned()),
            "name" => Some("地域政策課".to_owned()),
            "phone" => Some("内線なし".to_owned()),
            _ => None,
        };
        assert!(DepartmentInput::parse(&bad).unwrap_err().get("phone").is_some());
    }
}
