//! What the public sees (公開情報): the one allow-list. Every public page,
//! feed and API answer is built from these types and from nothing else, so a
//! field reaches a resident only when it is named here. A record's personal
//! fields (key people, residents, internal notes, minutes, attendees, home
//! districts, contacts that are a person's) have no way in: each type is
//! built by copying named fields out of the staff record.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::areas::Area;
use crate::events::{Admission, Event, EventKind};
use crate::issues::IssueRow;
use crate::organisations::Organisation;

/// A district as the public site lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicArea {
    pub id: i64,
    pub name: String,
    pub name_kana: Option<String>,
    pub parent_id: Option<i64>,
    /// The level's name in this municipality (地区, 小学校区…).
    pub level_name: String,
}

impl PublicArea {
    pub fn of(a: &Area, level_name: &str) -> Self {
        PublicArea {
            id: a.id,
            name: a.name.clone(),
            name_kana: a.name_kana.clone(),
            parent_id: a.parent_id,
            level_name: level_name.to_owned(),
        }
    }
}

/// An organisation as the public site shows it; its note, officers and
/// key people stay inside.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicOrganisation {
    pub id: i64,
    pub name: String,
    pub name_kana: Option<String>,
    /// 種別.
    pub kind: String,
    /// 段階.
    pub stage: Option<String>,
    pub area_id: Option<i64>,
    pub established_on: Option<NaiveDate>,
    /// 認可: the city recognises it as a 地域運営組織.
    pub recognised: bool,
    pub approved_on: Option<NaiveDate>,
    /// The contact point the body marked public (公開する問い合わせ窓口).
    pub contact: Option<String>,
}

impl PublicOrganisation {
    pub fn of(o: &Organisation) -> Self {
        PublicOrganisation {
            id: o.id,
            name: o.name.clone(),
            name_kana: o.name_kana.clone(),
            kind: o.kind.clone(),
            stage: o.stage.clone(),
            area_id: o.area_id,
            established_on: o.established_on,
            recognised: o.recognised(),
            approved_on: o.recognised().then_some(o.approved_on).flatten(),
            contact: o.public_contact.clone(),
        }
    }
}

/// A calendar entry as residents see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicEvent {
    pub id: i64,
    /// Stable across changes (iCal UID).
    pub uid: String,
    pub kind: EventKind,
    pub title: String,
    pub description: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub place: Option<String>,
    pub admission: Admission,
    pub area_id: i64,
    pub area_name: String,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub contact: Option<String>,
    /// 中止.
    pub cancelled: bool,
    pub sequence: i64,
    pub updated_at: DateTime<Utc>,
}

impl PublicEvent {
    /// `None` for an entry that is not public: nothing of it leaves.
    pub fn of(e: &Event, municipality_code: &str) -> Option<Self> {
        e.public.then(|| PublicEvent {
            id: e.id,
            uid: format!("event-{}@{municipality_code}.kyodo", e.id),
            kind: e.kind,
            title: e.title.clone(),
            description: e.description.clone(),
            starts_on: e.starts_on,
            ends_on: e.ends_on,
            start_time: e.start_time.clone(),
            end_time: e.end_time.clone(),
            place: e.place.clone(),
            admission: e.admission,
            area_id: e.area_id,
            area_name: e.area_name.clone(),
            organisation_id: e.organisation_id,
            organisation_name: e.organisation_name.clone(),
            contact: e.contact.clone(),
            cancelled: e.cancelled(),
            sequence: e.sequence,
            updated_at: e.updated_at,
        })
    }

    pub fn last_day(&self) -> NaiveDate {
        self.ends_on.unwrap_or(self.starts_on)
    }

    /// 「8月15日(土) 18:00〜21:30」 / 「8月15日(土)〜16日(日) 終日」.
    pub fn when(&self) -> String {
        let day = |d: NaiveDate| format!("{}月{}日({})", d.format("%-m"), d.format("%-d"), weekday(d));
        let mut s = day(self.starts_on);
        if let Some(end) = self.ends_on {
            s.push('〜');
            s.push_str(&day(end));
        }
        match (&self.start_time, &self.end_time) {
            (Some(a), Some(b)) => s.push_str(&format!(" {a}〜{b}")),
            (Some(a), None) => s.push_str(&format!(" {a}〜")),
            _ => s.push_str(" 終日"),
        }
        s
    }
}

/// 「土」 for a Saturday.
pub fn weekday(d: NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["月", "火", "水", "木", "金", "土", "日"][d.weekday().num_days_from_monday() as usize]
}

/// A 地域への報告 the team chose to publish: what was asked, where, and what
/// the city answered. Never the body as the resident wrote it (it names
/// people), the source, internal notes, department memos or the plan text.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicReport {
    pub id: i64,
    pub title: String,
    /// 分類.
    pub category: String,
    pub area_id: i64,
    pub area_name: String,
    /// As residents are told it (「担当部署で検討中」「完了」).
    pub status: String,
    pub fiscal_year: i32,
    pub reported_on: Option<NaiveDate>,
    /// The city's answer as reported to the community.
    pub answer: Option<String>,
}

impl PublicReport {
    /// `None` unless the team marked the report public.
    pub fn of(row: &IssueRow, marked_public: bool) -> Option<Self> {
        let i = &row.issue;
        marked_public.then(|| PublicReport {
            id: i.id,
            title: i.title.clone(),
            category: i.category.clone(),
            area_id: i.area_id,
            area_name: row.area_name.clone(),
            status: i.status.public_label().to_owned(),
            fiscal_year: i.fiscal_year,
            reported_on: i.reported_on,
            answer: i.report_text.clone(),
        })
    }
}

/// A plan a body published (公開) once adopted, with its projects'
/// progress (事業報告): what it does, when, which 部会, how far it got. Never
/// the budgets' payees, the advice, the revisions or who wrote it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPlan {
    pub id: i64,
    /// 将来計画, 年度計画, 地区防災計画.
    pub kind: String,
    pub title: String,
    /// 「令和8年度〜令和12年度」.
    pub period: String,
    pub adopted_on: Option<NaiveDate>,
    /// The plan's own text as adopted, by section (目指す姿, 今年度の方針):
    /// its summary; empty sections left out. A 地区防災計画's text is not
    /// among them: its shelters and roles are written around the residents
    /// needing support, whose register is personal data.
    pub sections: Vec<PublicPlanSection>,
    pub projects: Vec<PublicProject>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPlanSection {
    pub heading: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicProject {
    pub name: String,
    pub theme: Option<String>,
    /// 「7・8月」, 「通年」.
    pub months: String,
    /// The 部会 or group that runs it.
    pub committee: Option<String>,
    /// 未着手, 実施中, 完了, 中止.
    pub status: String,
    /// What was done (実績).
    pub outcome: Option<String>,
    pub participants: Option<i64>,
}

impl PublicPlan {
    /// `None` unless the body published it and it was adopted.
    pub fn of(p: &crate::plans::Plan, projects: &[crate::plans::projects::Project]) -> Option<Self> {
        (p.public && p.adopted()).then(|| PublicPlan {
            id: p.id,
            kind: p.kind.label().to_owned(),
            title: p.title.clone(),
            period: p.period(),
            adopted_on: p.adopted_on,
            sections: match p.kind {
                crate::plans::PlanKind::DisasterPrevention => &[],
                kind => kind.sections(),
            }
            .iter()
            .map(|(key, heading)| PublicPlanSection {
                heading: (*heading).to_owned(),
                text: p.text.section(key).trim().to_owned(),
            })
            .filter(|s| !s.text.is_empty())
            .collect(),
            projects: projects
                .iter()
                .map(|x| PublicProject {
                    name: x.name.clone(),
                    theme: x.theme.clone(),
                    months: crate::plans::projects::months_label(&x.months),
                    committee: x.responsible.clone(),
                    status: x.status.label().to_owned(),
                    outcome: x.outcome.clone(),
                    participants: x.participants,
                })
                .collect(),
        })
    }

    /// The 部会 named by its projects, each once, in the order they appear.
    pub fn committees(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in self.projects.iter().filter_map(|p| p.committee.as_deref()) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}

/// A published case study (事例): what the district faced, what the
/// community and the city did, and the result. Never where it came from
/// (the source record's number), who wrote it, or whether it is shared.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicCaseStudy {
    pub id: i64,
    pub title: String,
    pub theme: String,
    pub area_id: i64,
    pub area_name: String,
    pub published_on: Option<NaiveDate>,
    pub problem: String,
    pub community_action: Option<String>,
    pub city_action: Option<String>,
    pub result: Option<String>,
    pub roles: Option<String>,
}

impl PublicCaseStudy {
    /// `None` unless the case is published.
    pub fn of(c: &crate::case_studies::CaseStudy) -> Option<Self> {
        c.published.then(|| PublicCaseStudy {
            id: c.id,
            title: c.title.clone(),
            theme: c.theme.clone(),
            area_id: c.area_id,
            area_name: c.area_name.clone(),
            published_on: c.published_on,
            problem: c.problem.clone(),
            community_action: c.community_action.clone(),
            city_action: c.city_action.clone(),
            result: c.result.clone(),
            roles: c.roles.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(kind: crate::plans::PlanKind, sections: &[(&str, &str)]) -> crate::plans::Plan {
        crate::plans::Plan {
            id: 1,
            municipality_id: 1,
            organisation_id: 1,
            kind,
            title: "計画".into(),
            first_year: 2026,
            last_year: 2026,
            text: crate::plans::PlanText {
                sections: sections
                    .iter()
                    .map(|(key, text)| crate::plans::PlanSection {
                        key: (*key).into(),
                        text: (*text).into(),
                    })
                    .collect(),
                ..Default::default()
            },
            adopted_on: NaiveDate::from_ymd_opt(2026, 5, 10),
            adopted_by: Some("総会".into()),
            locked_at: None,
            public: true,
            version: 1,
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn a_published_plan_shows_its_summary_but_never_a_disaster_plans_text() {
        use crate::plans::PlanKind;
        let future = plan(
            PlanKind::Future,
            &[("vision", "誰もが住み続けられる地域"), ("issues", "")],
        );
        let shown = PublicPlan::of(&future, &[]).unwrap();
        assert_eq!(shown.sections.len(), 1, "empty sections are left out");
        assert_eq!(shown.sections[0].heading, "目指す姿");
        let disaster = plan(PlanKind::DisasterPrevention, &[("shelters", "公民館（一次避難所）")]);
        assert!(PublicPlan::of(&disaster, &[]).unwrap().sections.is_empty());
        let mut draft = future.clone();
        draft.adopted_on = None;
        assert!(PublicPlan::of(&draft, &[]).is_none(), "a draft is never public");
    }

    #[test]
    fn when_reads_as_a_japanese_notice() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let mut e = PublicEvent {
            id: 1,
            uid: "event-1@432041.kyodo".into(),
            kind: EventKind::Festival,
            title: "夏祭り".into(),
            description: None,
            starts_on: d(8, 15),
            ends_on: Some(d(8, 16)),
            start_time: None,
            end_time: None,
            place: None,
            admission: Admission::Open,
            area_id: 1,
            area_name: "荒尾".into(),
            organisation_id: None,
            organisation_name: None,
            contact: None,
            cancelled: false,
            sequence: 0,
            updated_at: Utc::now(),
        };
        assert_eq!(e.when(), "8月15日(土)〜8月16日(日) 終日");
        e.ends_on = None;
        e.start_time = Some("18:00".into());
        e.end_time = Some("21:30".into());
        assert_eq!(e.when(), "8月15日(土) 18:00〜21:30");
    }
}

/// The district (liaison-level area, 担当単位) an area lies in: itself at
/// that level, or its ancestor there. `None` above the level.
pub fn district_of(areas: &[Area], area_id: i64, level: usize) -> Option<&Area> {
    let mut at = areas.iter().find(|a| a.id == area_id)?;
    for _ in 0..areas.len() {
        if at.level as usize == level {
            return Some(at);
        }
        at = areas.iter().find(|a| Some(a.id) == at.parent_id)?;
    }
    None
}

/// The area and every area below it.
pub fn area_and_below(areas: &[Area], area_id: i64) -> Vec<i64> {
    let mut out = vec![area_id];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(areas.iter().filter(|a| a.parent_id == Some(parent)).map(|a| a.id));
        i += 1;
    }
    out
}

/// A resident's search (町名・地区名, kana or kanji, 全角/半角 alike): each
/// area whose name or reading contains it, with the district it lies in.
pub fn find_districts<'a>(areas: &'a [Area], level: usize, q: &str) -> Vec<(&'a Area, &'a Area)> {
    let key = crate::text::search_key(q);
    if key.is_empty() {
        return Vec::new();
    }
    let matches = |a: &Area| {
        crate::text::search_key(&a.name).contains(&key)
            || a.name_kana
                .as_deref()
                .is_some_and(|k| crate::text::search_key(k).contains(&key))
    };
    areas
        .iter()
        .filter(|a| a.archived_at.is_none() && matches(a))
        .filter_map(|a| Some((a, district_of(areas, a.id, level)?)))
        .take(50)
        .collect()
}

#[cfg(test)]
mod search_tests {
    use super::*;

    fn area(id: i64, parent: Option<i64>, level: i32, name: &str, kana: &str) -> Area {
        Area {
            id,
            municipality_id: 1,
            parent_id: parent,
            level,
            code: id.to_string(),
            name: name.into(),
            name_kana: Some(kana.into()),
            note: None,
            archived_at: None,
            version: 1,
        }
    }

    #[test]
    fn a_town_name_finds_its_district_by_kanji_or_reading() {
        let areas = vec![
            area(1, None, 0, "荒尾地区", "アラオチク"),
            area(2, Some(1), 1, "本町", "ホンマチ"),
            area(3, None, 0, "万田地区", "マンダチク"),
        ];
        let found = find_districts(&areas, 0, "ほんまち");
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0.id, found[0].1.id), (2, 1));
        assert_eq!(find_districts(&areas, 0, "万田").len(), 1);
        assert!(find_districts(&areas, 0, "  ").is_empty());
        assert_eq!(area_and_below(&areas, 1), vec![1, 2]);
    }
}

/// A body's block grant as published (一括交付金の交付状況): the 年度 and
/// the amounts the city decided and fixed. The ledger, payees, receipts and
/// the body's bank details never leave.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicGrant {
    pub fiscal_year: i32,
    /// 交付決定額.
    pub decided: Option<i64>,
    /// 確定額, once the year is settled.
    pub fixed: Option<i64>,
}

impl PublicGrant {
    /// `None` before the city decided anything: an application is the body's business.
    pub fn of(g: &crate::grants::grant::Grant) -> Option<Self> {
        g.decided.map(|decided| PublicGrant {
            fiscal_year: g.fiscal_year,
            decided: Some(decided),
            fixed: g.fixed,
        })
    }
}
