//! Handover (引継ぎ): when a member's term ends and a successor is
//! appointed to the same seat, the two go through a checklist built from the
//! district's records (introduce each key person, attend a meeting
//! together, walk through the open issues) and both sign off.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

crate::keyed_enum! {
    /// A kind of checklist item (引継ぎの確認項目).
    pub enum ItemKind {
        /// 主要な人物の紹介: one item per key person.
        Introduce = ("introduce", "主要な人物を紹介する"),
        /// 会議への同席.
        MeetingTogether = ("meeting", "会議に一緒に出席する"),
        /// 未解決の課題の説明.
        OpenIssues = ("issues", "未解決の課題を一緒に確認する"),
    }
}

crate::keyed_enum! {
    /// Which side of a handover someone is on.
    pub enum Party {
        Predecessor = ("predecessor", "前任者"),
        Successor = ("successor", "後任者"),
    }
}

/// A handover between two holders of one seat.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Handover {
    pub id: i64,
    pub area_id: i64,
    pub area_name: String,
    pub position_key: String,
    pub predecessor_appointment_id: i64,
    pub successor_appointment_id: i64,
    pub predecessor_staff_id: i64,
    pub predecessor_name: String,
    pub successor_staff_id: i64,
    pub successor_name: String,
    /// The predecessor's last day.
    pub predecessor_last_day: NaiveDate,
    /// The successor's first day.
    pub successor_first_day: NaiveDate,
    /// What the predecessor writes down: commitments made, what to watch (引継ぎメモ).
    pub note: Option<String>,
    pub predecessor_signed_at: Option<DateTime<Utc>>,
    pub successor_signed_at: Option<DateTime<Utc>>,
}

impl Handover {
    /// The side `staff_id` is on, if either.
    pub fn party_of(&self, staff_id: Option<i64>) -> Option<Party> {
        match staff_id {
            Some(s) if s == self.predecessor_staff_id => Some(Party::Predecessor),
            Some(s) if s == self.successor_staff_id => Some(Party::Successor),
            _ => None,
        }
    }

    pub fn signed(&self, party: Party) -> Option<DateTime<Utc>> {
        match party {
            Party::Predecessor => self.predecessor_signed_at,
            Party::Successor => self.successor_signed_at,
        }
    }

    pub fn is_complete(&self) -> bool {
        self.predecessor_signed_at.is_some() && self.successor_signed_at.is_some()
    }

    /// 「引継ぎ中」「完了」.
    pub fn state_label(&self) -> &'static str {
        match (self.predecessor_signed_at, self.successor_signed_at) {
            (Some(_), Some(_)) => "完了",
            (None, None) => "引継ぎ中",
            _ => "確認待ち",
        }
    }
}

/// An item ticked off, as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Tick {
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub kind: ItemKind,
    /// The key person, for an introduction; 0 otherwise.
    pub ref_id: i64,
    pub done_on: NaiveDate,
    pub done_by: Option<String>,
    pub note: Option<String>,
}

/// One line of the checklist, ticked or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChecklistItem {
    pub kind: ItemKind,
    pub ref_id: i64,
    pub label: String,
    pub done_on: Option<NaiveDate>,
    pub done_by: Option<String>,
    pub note: Option<String>,
}

/// A key person to introduce: id and how they are shown (「山田 太郎（〇〇地区協議会・会長）」).
pub struct Introduction {
    pub key_person_id: i64,
    pub label: String,
}

/// The checklist for a district as it stands: one introduction per key
/// person, a meeting together, and the open issues when there are any.
pub fn checklist(people: &[Introduction], open_issues: usize, ticks: &[Tick]) -> Vec<ChecklistItem> {
    let mut items: Vec<(ItemKind, i64, String)> = people
        .iter()
        .map(|p| (ItemKind::Introduce, p.key_person_id, format!("{}を紹介する", p.label)))
        .collect();
    items.push((
        ItemKind::MeetingTogether,
        0,
        ItemKind::MeetingTogether.label().to_owned(),
    ));
    if open_issues > 0 {
        items.push((
            ItemKind::OpenIssues,
            0,
            format!("未解決の課題（{open_issues}件）を一緒に確認する"),
        ));
    }
    items
        .into_iter()
        .map(|(kind, ref_id, label)| {
            let tick = ticks.iter().find(|t| t.kind == kind && t.ref_id == ref_id);
            ChecklistItem {
                kind,
                ref_id,
                label,
                done_on: tick.map(|t| t.done_on),
                done_by: tick.and_then(|t| t.done_by.clone()),
                note: tick.and_then(|t| t.note.clone()),
            }
        })
        .collect()
}

/// Whether `party` may sign off now: every item is done and they have not signed yet.
pub fn sign_refusal(h: &Handover, items: &[ChecklistItem], party: Party) -> Option<String> {
    if h.signed(party).is_some() {
        return Some(format!("{}は既に確認済みです", party.label()));
    }
    let left = items.iter().filter(|i| i.done_on.is_none()).count();
    (left > 0).then(|| format!("確認項目があと{left}件残っています。すべて済ませてから完了にしてください"))
}

/// An organisation of the district, as the dossier lists it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct DossierOrganisation {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub stage: Option<String>,
    pub area_name: Option<String>,
}

/// A key person with their contacts (personal data: the read is audited).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct DossierPerson {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub name: String,
    pub title: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub note: Option<String>,
}

impl DossierPerson {
    /// 「山田 太郎（〇〇地区協議会・会長）」.
    pub fn introduction(&self) -> Introduction {
        let mut whose = self.organisation_name.clone();
        if let Some(t) = &self.title {
            whose.push('・');
            whose.push_str(t);
        }
        Introduction {
            key_person_id: self.id,
            label: format!("{}さん（{whose}）", self.name),
        }
    }
}

/// An open issue and where it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct DossierIssue {
    pub id: i64,
    pub title: String,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub status: crate::issues::IssueStatus,
    pub received_on: NaiveDate,
    pub answer_due_on: Option<NaiveDate>,
    pub continuing: bool,
    /// What departments have promised (対応する・検討する), filled from the routes.
    #[cfg_attr(feature = "sqlx", sqlx(skip))]
    pub commitments: Vec<String>,
}

/// What the departments have promised on an issue, in words: 「道路課: 対応する（完了予定 令和9年3月31日）」.
pub fn commitments(routes: &[crate::issues::Route]) -> Vec<String> {
    use crate::issues::Stance;
    routes
        .iter()
        .filter(|r| r.rerouted_at.is_none())
        .filter_map(|r| {
            let stance = r
                .stance
                .filter(|s| matches!(s, Stance::WillAct | Stance::Considering))?;
            let due = r
                .expected_on
                .map(|d| format!("（完了予定 {}）", crate::wareki::format_date_wareki(d)))
                .unwrap_or_default();
            Some(format!("{}: {}{due}", r.department_name, stance.label()))
        })
        .collect()
}

/// Hours by duty type over the last twelve months.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DutyMinutes {
    pub duty_type: String,
    pub minutes: i64,
}

/// Everything the successor needs, built from the records (引継ぎ資料).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Dossier {
    pub handover: Handover,
    pub checklist: Vec<ChecklistItem>,
    /// The district and the areas below it.
    pub areas: Vec<String>,
    pub organisations: Vec<DossierOrganisation>,
    pub key_people: Vec<DossierPerson>,
    pub open_issues: Vec<DossierIssue>,
    /// The last twelve months' meetings, newest first.
    pub meetings: Vec<crate::meetings::Meeting>,
    /// The last twelve months' activity in the district, by duty type.
    pub activity: Vec<DutyMinutes>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handover() -> Handover {
        let day = NaiveDate::from_ymd_opt(2027, 3, 31).expect("valid date");
        Handover {
            id: 1,
            area_id: 2,
            area_name: "万田地区".into(),
            position_key: "staff".into(),
            predecessor_appointment_id: 10,
            successor_appointment_id: 11,
            predecessor_staff_id: 100,
            predecessor_name: "前任".into(),
            successor_staff_id: 200,
            successor_name: "後任".into(),
            predecessor_last_day: day,
            successor_first_day: day.succ_opt().expect("valid date"),
            note: None,
            predecessor_signed_at: None,
            successor_signed_at: None,
        }
    }

    fn tick(kind: ItemKind, ref_id: i64) -> Tick {
        Tick {
            kind,
            ref_id,
            done_on: NaiveDate::from_ymd_opt(2027, 3, 25).expect("valid date"),
            done_by: Some("前任".into()),
            note: None,
        }
    }

    fn people() -> Vec<Introduction> {
        vec![
            Introduction {
                key_person_id: 7,
                label: "山田 太郎（会長）".into(),
            },
            Introduction {
                key_person_id: 8,
                label: "佐藤 花子（事務局長）".into(),
            },
        ]
    }

    #[test]
    fn the_checklist_has_an_introduction_per_key_person_a_meeting_and_the_open_issues() {
        let items = checklist(&people(), 3, &[tick(ItemKind::Introduce, 8)]);
        let labels: Vec<&str> = items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "山田 太郎（会長）を紹介する",
                "佐藤 花子（事務局長）を紹介する",
                "会議に一緒に出席する",
                "未解決の課題（3件）を一緒に確認する"
            ]
        );
        assert!(items[0].done_on.is_none());
        assert!(items[1].done_on.is_some(), "the tick matches its key person");
        assert_eq!(checklist(&[], 0, &[]).len(), 1, "no issues, no walk-through");
    }

    #[test]
    fn signing_off_needs_every_item_done_and_happens_once() {
        let mut h = handover();
        let open = checklist(&people(), 1, &[tick(ItemKind::Introduce, 7)]);
        assert_eq!(
            sign_refusal(&h, &open, Party::Successor).as_deref(),
            Some("確認項目があと3件残っています。すべて済ませてから完了にしてください")
        );
        let ticks = [
            tick(ItemKind::Introduce, 7),
            tick(ItemKind::Introduce, 8),
            tick(ItemKind::MeetingTogether, 0),
            tick(ItemKind::OpenIssues, 0),
        ];
        let done = checklist(&people(), 1, &ticks);
        assert_eq!(sign_refusal(&h, &done, Party::Successor), None);
        h.successor_signed_at = Some(Utc::now());
        assert!(sign_refusal(&h, &done, Party::Successor).is_some());
        assert_eq!(h.state_label(), "確認待ち");
        assert!(!h.is_complete());
        h.predecessor_signed_at = Some(Utc::now());
        assert!(h.is_complete());
    }

    #[test]
    fn each_side_is_known_by_staff_id() {
        let h = handover();
        assert_eq!(h.party_of(Some(100)), Some(Party::Predecessor));
        assert_eq!(h.party_of(Some(200)), Some(Party::Successor));
        assert_eq!(h.party_of(Some(300)), None);
        assert_eq!(h.party_of(None), None);
    }
}
