//! Residents who need help to evacuate (避難行動要支援者) and their
//! individual evacuation plans (個別避難計画), kept with a body's 地区防災計画.
//! Personal data of the highest sensitivity: only the officers the city
//! names as the register's readers, the coordinator and the department
//! named for disaster prevention reach it; every read is audited; it leaves
//! kyodo only by an export its reader confirms with a purpose, and never
//! reaches a public page.

use chrono::NaiveDate;
use serde::Serialize;

use crate::accounts::Role;
use crate::validation::{FieldErrors, Fields};

/// A resident needing support (避難行動要支援者) with their 個別避難計画.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct SupportedResident {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub name_kana: Option<String>,
    pub address: String,
    pub phone: Option<String>,
    /// Why help is needed (要介護3、視覚障害、ひとり暮らしの高齢者…).
    pub needs: String,
    /// The day the resident agreed that the body keeps this (名簿情報の提供への同意).
    pub consent_on: NaiveDate,
    /// Who helps them evacuate (避難支援者).
    pub supporters: Option<String>,
    /// Where they go (避難先).
    pub destination: Option<String>,
    /// How and by which way (避難方法・経路), and what to mind (留意事項).
    pub method: Option<String>,
    /// When the 個別避難計画 was made or last reviewed.
    pub plan_made_on: Option<NaiveDate>,
    pub version: i64,
}

/// What a resident's entry is written with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportedResidentInput {
    pub name: String,
    pub name_kana: Option<String>,
    pub address: String,
    pub phone: Option<String>,
    pub needs: String,
    pub consent_on: NaiveDate,
    pub supporters: Option<String>,
    pub destination: Option<String>,
    pub method: Option<String>,
    pub plan_made_on: Option<NaiveDate>,
}

impl SupportedResidentInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>, today: NaiveDate) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let consent_on = f.date("consent_on", "同意日", false);
        if consent_on.is_none() && f.errors.get("consent_on").is_none() {
            // 災害対策基本法: in ordinary times the register goes to the
            // community only with the resident's consent.
            f.errors.add(
                "consent_on",
                "平常時に名簿を地域で持つには本人の同意が必要です。同意を得た日を入力してください",
            );
        }
        let plan_made_on = f.date("plan_made_on", "個別避難計画の作成日", false);
        for (field, label, date) in [
            ("consent_on", "同意日", consent_on),
            ("plan_made_on", "個別避難計画の作成日", plan_made_on),
        ] {
            if date.is_some_and(|d| d > today) {
                f.errors.add(field, format!("{label}に未来の日付は入力できません"));
            }
        }
        let input = SupportedResidentInput {
            name: f.required("name", "氏名", 100),
            name_kana: f.kana("name_kana", "ふりがな", false),
            address: f.required("address", "住所", 200),
            phone: f.phone("phone", "電話番号"),
            needs: f.text("needs", "支援が必要な理由", 500, true).unwrap_or_default(),
            consent_on: consent_on.unwrap_or(today),
            supporters: f.text("supporters", "避難支援者", 500, false),
            destination: f.optional("destination", "避難先", 200),
            method: f.text("method", "避難方法・経路・留意事項", 2000, false),
            plan_made_on,
        };
        f.finish(input)
    }
}

/// An account the city names as a reader of a body's register (名簿の閲覧者):
/// one of its officers (会長、防災部長…) who signed for it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct RegisterReader {
    pub id: i64,
    pub organisation_id: i64,
    pub user_id: i64,
    pub login: String,
    pub display_name: String,
    /// The officer's position in the body (会長、防災部長…).
    pub officer_role: String,
    pub named_on: NaiveDate,
}

/// Who is asking, in the terms the register's rule needs.
#[derive(Debug, Clone, Copy)]
pub struct Asker {
    pub role: Role,
    pub department_id: Option<i64>,
    pub organisation_id: Option<i64>,
}

/// Whether `asker` reaches the register of `organisation_id`: the
/// coordinator every body's; the department the scheme names for disaster
/// prevention every body's; a community account its own body's, once the
/// city has named it a reader. Nobody else — the liaison staff and the
/// system admin included.
pub fn reaches(asker: Asker, organisation_id: i64, disaster_department: Option<i64>, named_reader: bool) -> bool {
    match asker.role {
        Role::Coordinator => true,
        Role::Department => disaster_department.is_some() && asker.department_id == disaster_department,
        Role::Community => asker.organisation_id == Some(organisation_id) && named_reader,
        Role::Admin | Role::Liaison => false,
    }
}

/// What an export of the register must be asked with: the purpose, and a
/// tick that the one exporting knows what the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportConfirmation {
    pub purpose: String,
}

impl ExportConfirmation {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let confirmed = get("confirm").is_some_and(|v| v == "true" || v == "on");
        if !confirmed {
            f.errors.add(
                "confirm",
                "個人情報を含む名簿の書出しです。取扱いに注意することを確認してください",
            );
        }
        let purpose = f.required("purpose", "書出しの目的", 200);
        f.finish(ExportConfirmation { purpose })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    #[test]
    fn an_entry_needs_the_residents_consent() {
        let get = |k: &str| match k {
            "name" => Some("山田 ハナ".to_owned()),
            "address" => Some("荒尾市万田1-2-3".to_owned()),
            "needs" => Some("ひとり暮らし、歩行が困難".to_owned()),
            _ => None,
        };
        let errors = SupportedResidentInput::parse(&get, today()).unwrap_err();
        assert_eq!(errors.errors.len(), 1);
        assert!(errors.get("consent_on").unwrap().contains("同意"));
    }

    #[test]
    fn dates_in_the_future_and_bad_phones_are_refused() {
        let get = |k: &str| match k {
            "name" => Some("山田 ハナ".to_owned()),
            "address" => Some("荒尾市万田1-2-3".to_owned()),
            "needs" => Some("要介護3".to_owned()),
            "consent_on" => Some("R9.1.1".to_owned()),
            "phone" => Some("0968-xx".to_owned()),
            _ => None,
        };
        let errors = SupportedResidentInput::parse(&get, today()).unwrap_err();
        assert!(errors.get("consent_on").unwrap().contains("未来"));
        assert!(errors.get("phone").is_some());
    }

    #[test]
    fn only_the_named_reach_the_register() {
        let asker = |role, department_id, organisation_id| Asker {
            role,
            department_id,
            organisation_id,
        };
        let bousai = Some(7);
        assert!(reaches(asker(Role::Coordinator, None, None), 1, None, false));
        assert!(reaches(asker(Role::Department, Some(7), None), 1, bousai, false));
        assert!(!reaches(asker(Role::Department, Some(8), None), 1, bousai, false));
        assert!(!reaches(asker(Role::Department, None, None), 1, None, false));
        assert!(reaches(asker(Role::Community, None, Some(1)), 1, bousai, true));
        assert!(!reaches(asker(Role::Community, None, Some(1)), 1, bousai, false));
        assert!(!reaches(asker(Role::Community, None, Some(2)), 1, bousai, true));
        assert!(!reaches(asker(Role::Liaison, None, None), 1, bousai, true));
        assert!(!reaches(asker(Role::Admin, None, None), 1, bousai, true));
    }

    #[test]
    fn an_export_is_confirmed_with_a_purpose() {
        let none = |_: &str| None;
        let errors = ExportConfirmation::parse(&none).unwrap_err();
        assert!(errors.get("confirm").is_some());
        assert!(errors.get("purpose").is_some());
        let get = |k: &str| match k {
            "confirm" => Some("true".to_owned()),
            "purpose" => Some("令和8年度避難訓練の安否確認".to_owned()),
            _ => None,
        };
        assert_eq!(
            ExportConfirmation::parse(&get).unwrap().purpose,
            "令和8年度避難訓練の安否確認"
        );
    }
}
