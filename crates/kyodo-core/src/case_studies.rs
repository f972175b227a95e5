//! Case studies (事例集): what a district faced, what the community and the
//! city did and how it turned out, written up by a coordinator from a
//! closed issue, a plan's project or a meeting. Niimi publishes such pages;
//! the Kagoshima network (seed 003) trades them between municipalities, so a
//! case may be shared with every municipality of the deployment, and that
//! sharing can be withdrawn.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::validation::{FieldErrors, Fields};

crate::keyed_enum! {
    /// The record a case study was written from (元の記録).
    pub enum CaseSource {
        Issue = ("issue", "課題"),
        Project = ("project", "事業"),
        Meeting = ("meeting", "会議"),
    }
}

crate::issues::optional_key!(CaseSource);

/// One case study.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct CaseStudy {
    pub id: i64,
    /// The municipality that wrote it: named wherever another reads it.
    pub municipality_id: i64,
    pub municipality_name: String,
    pub area_id: i64,
    pub area_name: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "crate::issues::OptionalKey"))]
    #[schema(nullable)]
    pub source: Option<CaseSource>,
    /// The issue, project or meeting it came from, in its municipality.
    pub source_id: Option<i64>,
    pub title: String,
    /// 分野: 防災, 交通安全, 高齢者の見守り….
    pub theme: String,
    /// 課題: what the district faced.
    pub problem: String,
    /// 地域の取組: what the community did.
    pub community_action: Option<String>,
    /// 市の対応: what the city did.
    pub city_action: Option<String>,
    /// 成果: how it turned out.
    pub result: Option<String>,
    /// The people's roles (自治会長、民生委員…), without names unless they consented.
    pub roles: Option<String>,
    /// The people named in it agreed to their names being published (氏名掲載の同意).
    pub names_consented: bool,
    /// On the municipality's public site (公開).
    pub published: bool,
    pub published_on: Option<NaiveDate>,
    /// Shared with the other municipalities of this deployment (他の自治体と共有).
    pub shared: bool,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// The most photos a case shows: a page an old phone loads quickly.
pub const MAX_PHOTOS: usize = 4;

/// A photo of a case study (事例の写真), chosen from its issue's files that
/// the community may see, and kept as a copy without the camera's metadata
/// ([`crate::images::publishable_copy`]).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct CasePhoto {
    pub id: i64,
    pub case_study_id: i64,
    /// The issue's file it was copied from; removing that file removes it.
    pub attachment_id: i64,
    pub content_type: String,
    pub size: i64,
}

/// What a coordinator sends to write or change a case study.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseStudyInput {
    pub area_id: i64,
    pub source: Option<CaseSource>,
    pub source_id: Option<i64>,
    pub title: String,
    pub theme: String,
    pub problem: String,
    pub community_action: Option<String>,
    pub city_action: Option<String>,
    pub result: Option<String>,
    pub roles: Option<String>,
    pub names_consented: bool,
    pub published: bool,
}

impl CaseStudyInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let area_id = f.id("area_id", "地区", true);
        let sources: Vec<&str> = CaseSource::ALL.iter().map(|k| k.label()).collect();
        // Most cases are written from a record; one written from scratch has none.
        let source = match get("source").filter(|s| !s.trim().is_empty()) {
            Some(_) => f.keyed("source", "元の記録", CaseSource::parse, &sources, None),
            None => None,
        };
        let source_id = f.id("source_id", "元の記録の番号", false);
        if source.is_some() != source_id.is_some()
            && f.errors.get("source").is_none()
            && f.errors.get("source_id").is_none()
        {
            f.errors.add("source_id", "元の記録は種類と番号を両方指定してください");
        }
        let title = f.required("title", "題名", 200);
        let theme = f.required("theme", "分野", 50);
        let problem = f.required("problem", "課題", 4000);
        let community_action = f.text("community_action", "地域の取組", 4000, false);
        let city_action = f.text("city_action", "市の対応", 4000, false);
        let result = f.text("result", "成果", 4000, false);
        let roles = f.optional("roles", "関わった人の役割", 500);
        let names_consented = f.flag("names_consented");
        let published = f.flag("published");
        let Some(area_id) = area_id else {
            return Err(f.errors);
        };
        f.finish(Self {
            area_id,
            source,
            source_id,
            title,
            theme,
            problem,
            community_action,
            city_action,
            result,
            roles,
            names_consented,
            published,
        })
    }

    /// The texts a reader sees, by field in form order: what is searched
    /// and checked for names.
    pub fn texts(&self) -> [(&'static str, &str); 7] {
        fn or_empty(t: &Option<String>) -> &str {
            t.as_deref().unwrap_or("")
        }
        [
            ("title", &self.title),
            ("theme", &self.theme),
            ("problem", &self.problem),
            ("community_action", or_empty(&self.community_action)),
            ("city_action", or_empty(&self.city_action)),
            ("result", or_empty(&self.result)),
            ("roles", or_empty(&self.roles)),
        ]
    }

    /// Refuses a case that others will read (published or `shared`) and
    /// names one of `people` — the district's key people, officers and
    /// residents on record — unless they consented. Each field naming
    /// someone is marked, the name quoted, so the writer sees what to change.
    pub fn check_names(&self, shared: bool, people: &[String]) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.names_consented || !(self.published || shared) {
            return Ok(());
        }
        for (field, text) in self.texts() {
            if let Some(name) = names_in(text, people).first() {
                errors.add(
                    field,
                    format!(
                        "個人名（{name}）が含まれています。役職（例: 自治会長）に書き換えるか、本人の同意があれば「氏名の掲載に同意を得ている」を選んでください"
                    ),
                );
            }
        }
        errors.into_result(())
    }
}

impl From<&CaseStudy> for CaseStudyInput {
    /// The case as it stands, to write again (sharing re-indexes it).
    fn from(c: &CaseStudy) -> Self {
        CaseStudyInput {
            area_id: c.area_id,
            source: c.source,
            source_id: c.source_id,
            title: c.title.clone(),
            theme: c.theme.clone(),
            problem: c.problem.clone(),
            community_action: c.community_action.clone(),
            city_action: c.city_action.clone(),
            result: c.result.clone(),
            roles: c.roles.clone(),
            names_consented: c.names_consented,
            published: c.published,
        }
    }
}

/// Spaces (half and full width) dropped: 「山田　太郎」 is written 「山田太郎」 too.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The names of `people` that occur in `text`. A name of one character
/// (a family name alone) is too common to tell a person apart, so names
/// shorter than three characters are left out.
pub fn names_in<'a>(text: &str, people: &'a [String]) -> Vec<&'a str> {
    let text = squeeze(text);
    people
        .iter()
        .filter(|p| {
            let name = squeeze(p);
            name.chars().count() >= 3 && text.contains(&name)
        })
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<CaseStudyInput, FieldErrors> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        CaseStudyInput::parse(&move |k: &str| map.get(k).cloned())
    }

    const BASE: &[(&str, &str)] = &[
        ("area_id", "1"),
        ("title", "通学路の危険箇所をなくした"),
        ("theme", "交通安全"),
        ("problem", "見通しの悪い交差点で事故が続いていた"),
    ];

    #[test]
    fn a_case_needs_a_district_title_theme_and_problem() {
        let e = parse(&[]).unwrap_err();
        for field in ["area_id", "title", "theme", "problem"] {
            assert!(e.get(field).is_some(), "{field}: {e:?}");
        }
        let c = parse(BASE).unwrap();
        assert!(!c.published && !c.names_consented);
        assert_eq!(c.source, None);
    }

    #[test]
    fn a_source_is_a_kind_and_a_number_together() {
        let mut half = BASE.to_vec();
        half.push(("source", "issue"));
        assert!(parse(&half).unwrap_err().get("source_id").is_some());
        half.push(("source_id", "12"));
        let c = parse(&half).unwrap();
        assert_eq!((c.source, c.source_id), (Some(CaseSource::Issue), Some(12)));
        let mut bad = BASE.to_vec();
        bad.push(("source", "letter"));
        bad.push(("source_id", "12"));
        assert!(parse(&bad).unwrap_err().get("source").is_some());
    }

    #[test]
    fn a_published_case_may_not_name_people_without_their_consent() {
        let people = vec!["山田　太郎".to_owned(), "林".to_owned()];
        let mut named = BASE.to_vec();
        named.push(("roles", "自治会長の山田太郎さん、林さん"));
        let draft = parse(&named).unwrap();
        assert!(
            draft.check_names(false, &people).is_ok(),
            "a draft is read by staff only"
        );
        let shared = draft.check_names(true, &people).unwrap_err();
        assert!(shared.get("roles").unwrap().contains("山田　太郎"));
        named.push(("published", "on"));
        let e = parse(&named).unwrap().check_names(false, &people).unwrap_err();
        assert!(e.get("roles").is_some() && e.get("problem").is_none(), "{e:?}");
        named.push(("names_consented", "on"));
        assert!(parse(&named).unwrap().check_names(true, &people).is_ok());
    }

    #[test]
    fn a_single_character_name_is_not_taken_for_a_person() {
        let people = vec!["林".to_owned(), "田中".to_owned()];
        assert!(names_in("林道の草刈り、田中地区", &people).is_empty());
        assert_eq!(names_in("鈴木 一郎さん", &["鈴木一郎".to_owned()]), ["鈴木一郎"]);
    }
}
