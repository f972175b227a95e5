//! Small types the API's bodies share, each with the schema that says
//! exactly what it takes.

use std::borrow::Cow;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, RefOr};

/// A date as the API takes it: `YYYY-MM-DD`, from 1900 to 2199. (Forms
/// take 和暦 too; an integration sends ISO dates.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiDate(pub NaiveDate);

impl Serialize for ApiDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.format("%Y-%m-%d").to_string())
    }
}

impl<'de> Deserialize<'de> for ApiDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Cow::<str>::deserialize(d)?;
        NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
            .ok()
            .filter(|day| {
                use chrono::Datelike;
                (kyodo_core::wareki::FIRST_YEAR..2200).contains(&day.year())
            })
            .map(ApiDate)
            .ok_or_else(|| serde::de::Error::custom("日付は 2026-04-01 の形（1900〜2199年）で指定してください"))
    }
}

impl utoipa::PartialSchema for ApiDate {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .pattern(Some(super::contract::DATE))
            .description(Some("日付（YYYY-MM-DD、1900〜2199年）"))
            .examples([serde_json::json!("2026-04-01")])
            .into()
    }
}

impl utoipa::ToSchema for ApiDate {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Date")
    }
}

/// For a PATCH field that may be cleared: absent (`None`: left as it is),
/// `null` (`Some(None)`: cleared) or a value.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso_and_within_the_years() {
        let ok: ApiDate = serde_json::from_str("\"2026-04-01\"").unwrap();
        assert_eq!(serde_json::to_string(&ok).unwrap(), "\"2026-04-01\"");
        for bad in [
            "\"0001-01-01\"",
            "\"2200-01-01\"",
            "\"2026/4/1\"",
            "\"令和8年4月1日\"",
            "20260401",
        ] {
            assert!(serde_json::from_str::<ApiDate>(bad).is_err(), "{bad}");
        }
    }

    #[derive(Deserialize, Serialize)]
    struct Patch {
        #[serde(default, deserialize_with = "nullable", skip_serializing_if = "Option::is_none")]
        note: Option<Option<String>>,
    }

    #[test]
    fn a_patch_tells_absent_from_null() {
        let absent: Patch = serde_json::from_str("{}").unwrap();
        let null: Patch = serde_json::from_str("{\"note\":null}").unwrap();
        let set: Patch = serde_json::from_str("{\"note\":\"a\"}").unwrap();
        assert_eq!(
            (absent.note, null.note, set.note),
            (None, Some(None), Some(Some("a".into())))
        );
        let fields = super::super::fields_of(&Patch { note: Some(None) });
        assert_eq!(fields.get("note").map(String::as_str), Some(""), "null clears");
        assert!(
            super::super::fields_of(&Patch { note: None }).is_empty(),
            "absent stays out"
        );
    }
}
