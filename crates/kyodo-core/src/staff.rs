//! Staff (職員): the city's employees, of whom some serve as liaison staff.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::csv_import::Column;
use crate::scheme::SchemeSettings;
use crate::validation::{FieldErrors, Fields};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Staff {
    pub id: i64,
    pub municipality_id: i64,
    /// 職員番号.
    pub employee_number: String,
    pub name: String,
    /// Reading in katakana (フリガナ).
    pub name_kana: String,
    pub department_id: Option<i64>,
    /// Key of a grade in the scheme settings.
    pub grade: String,
    pub hire_date: NaiveDate,
    /// The district the staff member lives in (居住地区); they are not
    /// appointed to it where the scheme says so.
    pub home_area_id: Option<i64>,
    pub email: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// One change of grade (昇任・降任), kept so that terms and eligibility can
/// be judged as of any date.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct GradeChange {
    pub id: i64,
    pub staff_id: i64,
    pub grade: String,
    pub effective_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffInput {
    pub employee_number: String,
    pub name: String,
    pub name_kana: String,
    pub department_id: Option<i64>,
    pub grade: String,
    pub hire_date: NaiveDate,
    pub home_area_id: Option<i64>,
    pub email: Option<String>,
    /// When a grade change takes effect (発令日); today when not given.
    pub grade_effective_on: Option<NaiveDate>,
}

impl StaffInput {
    pub fn parse(
        get: &dyn Fn(&str) -> Option<String>,
        scheme: &SchemeSettings,
        today: NaiveDate,
    ) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let employee_number = f.code("employee_number", "職員番号", true).unwrap_or_default();
        let name = f.required("name", "氏名", 100);
        let name_kana = f.kana("name_kana", "フリガナ", true).unwrap_or_default();
        let department_id = f.id("department_id", "所属", false);
        let grade_names: Vec<String> = scheme.grades.iter().map(|g| g.name.clone()).collect();
        // Forms send the key; people typing a CSV write the grade's name.
        let grade_raw = get("grade").map(|g| crate::text::normalize_input(&g));
        let grade = match grade_raw.as_deref() {
            Some(g) if scheme.grade_name(g).is_some() => g.to_owned(),
            Some(g) if !g.is_empty() => scheme
                .grades
                .iter()
                .find(|x| x.name == g)
                .map(|x| x.key.clone())
                .unwrap_or_else(|| {
                    f.errors.add(
                        "grade",
                        format!("職位は次のいずれかにしてください: {}", grade_names.join("、")),
                    );
                    String::new()
                }),
            _ => {
                f.errors.add("grade", "職位を選択してください");
                String::new()
            }
        };
        let hire_date = f.date("hire_date", "採用日", true);
        if let Some(d) = hire_date
            && d > today
        {
            // Appointments of future hires are planned from their hire date,
            // so only a date within the next fiscal year makes sense.
            if d > crate::wareki::fiscal_year_end(crate::wareki::fiscal_year(today) + 1) {
                f.errors.add("hire_date", "採用日が先すぎます");
            }
        }
        let email = f.email("email", "メールアドレス");
        let input = StaffInput {
            employee_number,
            name,
            name_kana,
            department_id,
            grade,
            hire_date: hire_date.unwrap_or(today),
            home_area_id: f.id("home_area_id", "居住地区", false),
            email,
            grade_effective_on: f.date("grade_effective_on", "職位の発令日", false),
        };
        f.finish(input)
    }
}

/// A light check: one `@`, something on each side, a dot in the domain.
pub fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

/// The fields of a staff record that are personal data (居住地区, メールアドレス):
/// shown only to who may read them, and logged as changed without their values.
pub const PERSONAL_FIELDS: [&str; 2] = ["home_area_id", "email"];

pub const CSV_COLUMNS: &[Column] = &[
    Column::required("employee_number", "職員番号"),
    Column::required("name", "氏名"),
    Column::required("name_kana", "フリガナ"),
    Column::optional("department_code", "所属部署コード"),
    Column::required("grade", "職位"),
    Column::required("hire_date", "採用日"),
    Column::optional("home_area_code", "居住地区コード"),
    Column::optional("email", "メールアドレス"),
];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct StaffRow {
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    #[serde(flatten)]
    pub staff: Staff,
    pub department_code: Option<String>,
    pub department_name: Option<String>,
    pub home_area_code: Option<String>,
    pub home_area_name: Option<String>,
}

impl StaffRow {
    pub fn csv_record(&self, scheme: &SchemeSettings) -> Vec<String> {
        let s = &self.staff;
        vec![
            s.employee_number.clone(),
            s.name.clone(),
            s.name_kana.clone(),
            self.department_code.clone().unwrap_or_default(),
            scheme.grade_name(&s.grade).unwrap_or(&s.grade).to_owned(),
            crate::wareki::iso_date(Some(s.hire_date)),
            self.home_area_code.clone().unwrap_or_default(),
            s.email.clone().unwrap_or_default(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn grade_accepts_key_or_name_and_wareki_hire_date() {
        let scheme = crate::scheme::preset("arao").unwrap().scheme;
        let get = |k: &str| match k {
            "employee_number" => Some("１２３４５".to_owned()),
            "name" => Some("荒尾 花子".to_owned()),
            "name_kana" => Some("あらお はなこ".to_owned()),
            "grade" => Some("課長補佐・係長級".to_owned()),
            "hire_date" => Some("H20.4.1".to_owned()),
            _ => None,
        };
        let s = StaffInput::parse(&get, &scheme, today()).unwrap();
        assert_eq!(s.employee_number, "12345");
        assert_eq!(s.name_kana, "アラオ ハナコ");
        assert_eq!(s.grade, "chief");
        assert_eq!(s.hire_date, NaiveDate::from_ymd_opt(2008, 4, 1).unwrap());
    }

    #[test]
    fn every_bad_field_is_named() {
        let scheme = crate::scheme::preset("arao").unwrap().scheme;
        let get = |k: &str| match k {
            "employee_number" => Some("12 345".to_owned()),
            "name_kana" => Some("Hanako".to_owned()),
            "grade" => Some("部長".to_owned()),
            "hire_date" => Some("2026-02-30".to_owned()),
            "email" => Some("hanako@".to_owned()),
            _ => None,
        };
        let errors = StaffInput::parse(&get, &scheme, today()).unwrap_err();
        for field in ["employee_number", "name", "name_kana", "grade", "hire_date", "email"] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
    }
}
