//! Organisations (団体): 地区協議会, 地域運営組織, 自治会, NPO, companies,
//! universities… with their officers (役員) and key people (キーパーソン).

pub mod application_files;
pub mod establishment;
pub mod recognition;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::csv_import::Column;
use crate::scheme::SchemeSettings;
use crate::validation::{FieldErrors, Fields};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Organisation {
    pub id: i64,
    pub municipality_id: i64,
    pub code: String,
    pub name: String,
    pub name_kana: Option<String>,
    /// One of the scheme's organisation kinds (種別).
    pub kind: String,
    pub area_id: Option<i64>,
    /// Lifecycle stage (段階), one of the scheme's stages.
    pub stage: Option<String>,
    pub established_on: Option<NaiveDate>,
    /// Date of the city's approval (認可).
    pub approved_on: Option<NaiveDate>,
    pub note: Option<String>,
    /// 問い合わせ窓口 the body chose to publish (事務局、公民館): shown on the
    /// public site; none means the site shows no contact for it.
    pub public_contact: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub version: i64,
    /// Where the city's recognition (認可) stands.
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub recognition: recognition::RecognitionStatus,
    /// 認可番号.
    pub recognition_number: Option<String>,
    /// The body it was integrated into (統合先), once it was.
    pub successor_id: Option<i64>,
}

impl Organisation {
    /// Whether the city recognises it now (認可): only then is it listed as a
    /// 地域運営組織 and may receive the block grant.
    pub fn recognised(&self) -> bool {
        self.recognition == recognition::RecognitionStatus::Granted
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationInput {
    pub code: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub kind: String,
    pub area_id: Option<i64>,
    pub stage: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub approved_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub public_contact: Option<String>,
}

impl OrganisationInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>, scheme: &SchemeSettings) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let input = OrganisationInput {
            code: f.code("code", "団体コード", true).unwrap_or_default(),
            name: f.required("name", "団体名", 200),
            name_kana: f.kana("name_kana", "ふりがな", false),
            kind: f
                .choice("kind", "種別", &scheme.organisation_kinds, true)
                .unwrap_or_default(),
            area_id: f.id("area_id", "地区", false),
            stage: f.choice("stage", "段階", &scheme.lifecycle_stages, false),
            established_on: f.date("established_on", "設立日", false),
            approved_on: f.date("approved_on", "認可日", false),
            note: f.text("note", "備考", 2000, false),
            public_contact: f.optional("public_contact", "公開する問い合わせ窓口", 200),
        };
        if let (Some(est), Some(app)) = (input.established_on, input.approved_on)
            && app < est
        {
            f.errors.add("approved_on", "認可日は設立日以降の日付にしてください");
        }
        f.finish(input)
    }
}

pub const CSV_COLUMNS: &[Column] = &[
    Column::required("code", "団体コード"),
    Column::required("name", "団体名"),
    Column::optional("name_kana", "ふりがな"),
    Column::required("kind", "種別"),
    Column::optional("area_code", "地区コード"),
    Column::optional("stage", "段階"),
    Column::optional("established_on", "設立日"),
    Column::optional("approved_on", "認可日"),
    Column::optional("note", "備考"),
];

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct OrganisationRow {
    #[cfg_attr(feature = "sqlx", sqlx(flatten))]
    #[serde(flatten)]
    pub organisation: Organisation,
    pub area_code: Option<String>,
    pub area_name: Option<String>,
}

impl OrganisationRow {
    pub fn csv_record(&self) -> Vec<String> {
        let o = &self.organisation;
        vec![
            o.code.clone(),
            o.name.clone(),
            o.name_kana.clone().unwrap_or_default(),
            o.kind.clone(),
            self.area_code.clone().unwrap_or_default(),
            o.stage.clone().unwrap_or_default(),
            crate::wareki::iso_date(o.established_on),
            crate::wareki::iso_date(o.approved_on),
            o.note.clone().unwrap_or_default(),
        ]
    }
}

/// An officer (役員) with the term they serve.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Officer {
    pub id: i64,
    pub organisation_id: i64,
    pub role: String,
    pub name: String,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficerInput {
    pub role: String,
    pub name: String,
    pub term_start: Option<NaiveDate>,
    pub term_end: Option<NaiveDate>,
}

impl OfficerInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>, scheme: &SchemeSettings) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let input = OfficerInput {
            role: f
                .choice("role", "役職", &scheme.officer_roles, true)
                .unwrap_or_default(),
            name: f.required("name", "氏名", 100),
            term_start: f.date("term_start", "任期開始日", false),
            term_end: f.date("term_end", "任期終了日", false),
        };
        if let (Some(s), Some(e)) = (input.term_start, input.term_end)
            && e < s
        {
            f.errors
                .add("term_end", "任期終了日は任期開始日以降の日付にしてください");
        }
        f.finish(input)
    }
}

/// A key person (キーパーソン) of an organisation, with contacts.
/// Personal data: shown only to roles that need it, and every read is audited.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct KeyPerson {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    pub name_kana: Option<String>,
    /// What they are to the district (区長, 民生委員, 元会長…).
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPersonInput {
    pub name: String,
    pub name_kana: Option<String>,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub note: Option<String>,
}

impl KeyPersonInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let phone = f.phone("phone", "電話番号");
        let email = f.email("email", "メールアドレス");
        let input = KeyPersonInput {
            name: f.required("name", "氏名", 100),
            name_kana: f.kana("name_kana", "ふりがな", false),
            title: f.optional("title", "立場", 100),
            phone,
            email,
            address: f.optional("address", "住所", 200),
            note: f.text("note", "メモ", 2000, false),
        };
        f.finish(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_and_stage_come_from_the_scheme() {
        let scheme = crate::scheme::preset("niimi").unwrap().scheme;
        let get = |k: &str| match k {
            "code" => Some("O-01".to_owned()),
            "name" => Some("唐松まちづくり協議会".to_owned()),
            "kind" => Some("地域運営組織".to_owned()),
            "stage" => Some("将来計画策定".to_owned()),
            "established_on" => Some("R3.4.1".to_owned()),
            "approved_on" => Some("2021-03-01".to_owned()),
            _ => None,
        };
        let errors = OrganisationInput::parse(&get, &scheme).unwrap_err();
        assert_eq!(errors.errors.len(), 1);
        assert!(errors.get("approved_on").is_some(), "approval before founding");
    }

    #[test]
    fn key_person_phone_is_normalised() {
        let get = |k: &str| match k {
            "name" => Some("山田 太郎".to_owned()),
            "phone" => Some("０９０－１２３４－５６７８".to_owned()),
            _ => None,
        };
        let p = KeyPersonInput::parse(&get).unwrap();
        assert_eq!(p.phone.as_deref(), Some("090-1234-5678"));
    }
}
