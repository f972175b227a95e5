//! Becoming a 地域運営組織 (設立までの流れ): the stages a community body
//! passes, what the scheme asks of each before it is left, the dated records
//! (記録) that show it was done, the area (区域) it chooses and the inventory
//! of the area's existing groups (既存組織の整理統合).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::scheme::SchemeSettings;
use crate::validation::{FieldErrors, Fields};

/// Something the scheme may ask of a stage before the organisation leaves it.
/// The dated ones ([`Requirement::is_record`]) are kept as 記録; the rest are
/// read from the organisation's area, inventory and officers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// 説明会・学習会の開催.
    Briefing,
    /// 設立準備会の結成.
    PreparatoryCommittee,
    /// 地域の魅力や課題の洗い出し (ワークショップの記録).
    Workshop,
    /// 将来計画（案）の作成.
    FuturePlanDraft,
    /// 区域の決定: one or more areas chosen.
    AreaChosen,
    /// 既存組織の点検: the area's groups listed, each with what becomes of it.
    GroupsInventoried,
    /// 設立総会の開催.
    FoundingAssembly,
    /// 将来計画の議決 (総会).
    FuturePlanAdopted,
    /// 規約の制定.
    Bylaws,
    /// 役員の登録.
    Officers,
}

impl Requirement {
    pub const ALL: [Requirement; 10] = [
        Requirement::Briefing,
        Requirement::PreparatoryCommittee,
        Requirement::Workshop,
        Requirement::FuturePlanDraft,
        Requirement::AreaChosen,
        Requirement::GroupsInventoried,
        Requirement::FoundingAssembly,
        Requirement::FuturePlanAdopted,
        Requirement::Bylaws,
        Requirement::Officers,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Requirement::Briefing => "briefing",
            Requirement::PreparatoryCommittee => "preparatory_committee",
            Requirement::Workshop => "workshop",
            Requirement::FuturePlanDraft => "future_plan_draft",
            Requirement::AreaChosen => "area_chosen",
            Requirement::GroupsInventoried => "groups_inventoried",
            Requirement::FoundingAssembly => "founding_assembly",
            Requirement::FuturePlanAdopted => "future_plan_adopted",
            Requirement::Bylaws => "bylaws",
            Requirement::Officers => "officers",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }

    /// What is done, as a checklist line.
    pub fn label(self) -> &'static str {
        match self {
            Requirement::Briefing => "説明会・学習会の開催",
            Requirement::PreparatoryCommittee => "設立準備会の結成",
            Requirement::Workshop => "地域の魅力や課題の洗い出し（ワークショップ）",
            Requirement::FuturePlanDraft => "将来計画（案）の作成",
            Requirement::AreaChosen => "区域の決定",
            Requirement::GroupsInventoried => "既存組織の点検と整理の方針",
            Requirement::FoundingAssembly => "設立総会の開催",
            Requirement::FuturePlanAdopted => "将来計画の総会での議決",
            Requirement::Bylaws => "規約の制定",
            Requirement::Officers => "役員の登録",
        }
    }

    /// Why a move is refused while it is not done.
    pub fn unmet(self) -> &'static str {
        match self {
            Requirement::Briefing => "説明会・学習会の開催が記録されていません",
            Requirement::PreparatoryCommittee => "設立準備会の結成が記録されていません",
            Requirement::Workshop => "地域の魅力や課題の洗い出し（ワークショップ）が記録されていません",
            Requirement::FuturePlanDraft => "将来計画（案）が作成されていません",
            Requirement::AreaChosen => "区域が決まっていません",
            Requirement::GroupsInventoried => {
                "既存組織の点検が済んでいません（整理の方針が未定の団体があるか、1件も登録されていません）"
            }
            Requirement::FoundingAssembly => "設立総会の開催が記録されていません",
            Requirement::FuturePlanAdopted => "将来計画が総会で議決されていません",
            Requirement::Bylaws => "規約が登録されていません",
            Requirement::Officers => "役員が登録されていません",
        }
    }

    /// Whether it is shown by a dated record (記録) rather than by other records.
    pub fn is_record(self) -> bool {
        !matches!(
            self,
            Requirement::AreaChosen | Requirement::GroupsInventoried | Requirement::Officers
        )
    }

    /// The kinds of record, for a form's choice.
    pub fn records() -> impl Iterator<Item = Requirement> {
        Self::ALL.into_iter().filter(|r| r.is_record())
    }
}

/// What a stage asks before the organisation leaves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StageRequirements {
    /// One of the scheme's `lifecycle_stages`.
    pub stage: String,
    pub requires: Vec<Requirement>,
}

/// What is known of an organisation's way so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// The kinds of dated record it has.
    pub records: Vec<Requirement>,
    pub areas: usize,
    /// Groups in the inventory, and how many of them are still undecided.
    pub groups: usize,
    pub groups_undecided: usize,
    pub officers: usize,
    /// Its 将来計画 in kyodo, and how many of them are adopted (議決).
    pub future_plans: usize,
    pub adopted_future_plans: usize,
}

impl Progress {
    pub fn met(&self, requirement: Requirement) -> bool {
        match requirement {
            Requirement::AreaChosen => self.areas > 0,
            Requirement::GroupsInventoried => self.groups > 0 && self.groups_undecided == 0,
            Requirement::Officers => self.officers > 0,
            // A plan written in kyodo shows it as well as a dated record does.
            Requirement::FuturePlanDraft if self.future_plans > 0 => true,
            Requirement::FuturePlanAdopted if self.adopted_future_plans > 0 => true,
            record => self.records.contains(&record),
        }
    }
}

/// The requirements of `stage` in `scheme`, in the scheme's order.
pub fn requirements<'a>(scheme: &'a SchemeSettings, stage: &str) -> &'a [Requirement] {
    scheme
        .stage_requirements
        .iter()
        .find(|s| s.stage == stage)
        .map_or(&[], |s| s.requires.as_slice())
}

/// Every requirement asked before `target` can be reached: those of each
/// stage before it, in order, without repeats.
pub fn before(scheme: &SchemeSettings, target: usize) -> Vec<Requirement> {
    let mut out: Vec<Requirement> = Vec::new();
    for stage in scheme.lifecycle_stages.iter().take(target) {
        for r in requirements(scheme, stage) {
            if !out.contains(r) {
                out.push(*r);
            }
        }
    }
    out
}

/// Every requirement of the whole way: what an application for 認可 needs.
pub fn all_of(scheme: &SchemeSettings) -> Vec<Requirement> {
    before(scheme, scheme.lifecycle_stages.len())
}

/// The unmet ones among `requirements`, as the field errors of `field`.
pub fn unmet(requirements: &[Requirement], progress: &Progress, field: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    for r in requirements.iter().filter(|r| !progress.met(**r)) {
        errors.add(field, r.unmet());
    }
    errors
}

/// Which way a stage move goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Back,
}

/// A move of an organisation to another stage (段階の変更).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageMove {
    pub to: String,
    /// Required to go back (差戻しの理由).
    pub reason: Option<String>,
}

impl StageMove {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>, scheme: &SchemeSettings) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let input = StageMove {
            to: f
                .choice("stage", "段階", &scheme.lifecycle_stages, true)
                .unwrap_or_default(),
            reason: f.text("reason", "理由", 2000, false),
        };
        f.finish(input)
    }

    /// Whether the move may be made from `from` given `progress`: forward
    /// with every requirement of the stages before the target met, back
    /// with a reason, and never to where it already is.
    pub fn check(
        &self,
        scheme: &SchemeSettings,
        from: Option<&str>,
        progress: &Progress,
    ) -> Result<Direction, FieldErrors> {
        let stages = &scheme.lifecycle_stages;
        let Some(target) = stages.iter().position(|s| *s == self.to) else {
            return Err(FieldErrors::single(
                "stage",
                format!("段階「{}」は制度設定にありません", self.to),
            ));
        };
        let current = from.and_then(|f| stages.iter().position(|s| s == f));
        if current == Some(target) {
            return Err(FieldErrors::single("stage", format!("すでに「{}」の段階です", self.to)));
        }
        if current.is_some_and(|c| target < c) {
            if self.reason.is_none() {
                return Err(FieldErrors::single("reason", "段階を戻すときは理由を入力してください"));
            }
            return Ok(Direction::Back);
        }
        unmet(&before(scheme, target), progress, "stage").into_result(Direction::Forward)
    }
}

/// A dated record of the way (設立までの記録): a meeting held, a draft made.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct EstablishmentRecord {
    pub id: i64,
    pub organisation_id: i64,
    /// Which requirement it shows done (a dated one).
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub kind: Requirement,
    pub held_on: NaiveDate,
    /// What was done: who came, what was decided, where the minutes are.
    pub note: Option<String>,
    pub recorded_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<String> for Requirement {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        Requirement::from_key(&key).ok_or_else(|| format!("unknown requirement {key}"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordInput {
    pub kind: Requirement,
    pub held_on: NaiveDate,
    pub note: Option<String>,
}

impl RecordInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let kinds: Vec<String> = Requirement::records().map(|r| r.key().to_owned()).collect();
        let kind = f
            .choice("kind", "記録の種類", &kinds, true)
            .and_then(|k| Requirement::from_key(&k));
        let held_on = f.date("held_on", "日付", true);
        let note = f.text("note", "内容", 4000, false);
        let input = match (kind, held_on) {
            (Some(kind), Some(held_on)) => Some(RecordInput { kind, held_on, note }),
            _ => None,
        };
        f.finish(input)
            .map(|i| i.expect("kind and date are required, so present when there are no errors"))
    }
}

/// What becomes of an existing group when the body is set up (整理の方針).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// 未定.
    Undecided,
    /// 統合: absorbed, as a 部会 of the new body.
    Integrate,
    /// 連携: stays as it is, linked to the body.
    Link,
    /// 継続: stays on its own.
    Continue,
}

impl Disposition {
    pub const ALL: [Disposition; 4] = [
        Disposition::Undecided,
        Disposition::Integrate,
        Disposition::Link,
        Disposition::Continue,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Disposition::Undecided => "undecided",
            Disposition::Integrate => "integrate",
            Disposition::Link => "link",
            Disposition::Continue => "continue",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Disposition::Undecided => "未定",
            Disposition::Integrate => "統合（部会として）",
            Disposition::Link => "連携",
            Disposition::Continue => "継続",
        }
    }
}

impl TryFrom<String> for Disposition {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        Disposition::from_key(&key).ok_or_else(|| format!("unknown disposition {key}"))
    }
}

/// An existing group of the area in the inventory (既存組織).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ExistingGroup {
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    /// 地域振興会, 自治会, 老人クラブ, PTA…
    pub group_kind: Option<String>,
    /// The roles and functions it has (役割・機能).
    pub role: Option<String>,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub disposition: Disposition,
    pub decided_on: Option<NaiveDate>,
    /// The group as a registered organisation, when it is one.
    pub source_organisation_id: Option<i64>,
    /// 母体: the body is the group's successor and takes over its officers,
    /// key people and open issues (「地域振興会を母体として移行」).
    pub is_parent: bool,
    /// Set once its integration was carried out (archived, succeeded).
    pub merged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingGroupInput {
    pub name: String,
    pub group_kind: Option<String>,
    pub role: Option<String>,
    pub disposition: Disposition,
    pub decided_on: Option<NaiveDate>,
    pub source_organisation_id: Option<i64>,
    pub is_parent: bool,
}

impl ExistingGroupInput {
    pub fn parse(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, FieldErrors> {
        let mut f = Fields::new(get);
        let keys: Vec<String> = Disposition::ALL.iter().map(|d| d.key().to_owned()).collect();
        let disposition = f
            .choice("disposition", "整理の方針", &keys, false)
            .and_then(|k| Disposition::from_key(&k))
            .unwrap_or(Disposition::Undecided);
        let input = ExistingGroupInput {
            name: f.required("name", "団体名", 200),
            group_kind: f.optional("group_kind", "種類", 100),
            role: f.text("role", "役割・機能", 2000, false),
            disposition,
            decided_on: f.date("decided_on", "決定日", false),
            source_organisation_id: f.id("source_organisation_id", "登録済みの団体", false),
            is_parent: f.flag("is_parent"),
        };
        if input.disposition != Disposition::Undecided && input.decided_on.is_none() {
            f.errors.add("decided_on", "整理の方針を決めた日を入力してください");
        }
        if input.is_parent && input.disposition != Disposition::Integrate {
            f.errors.add(
                "is_parent",
                "母体として移行する団体は、整理の方針を「統合」にしてください",
            );
        }
        if input.is_parent && input.source_organisation_id.is_none() {
            f.errors.add(
                "source_organisation_id",
                "母体として移行する団体は、登録済みの団体から選んでください",
            );
        }
        f.finish(input)
    }
}

/// An area of an organisation's 区域.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct HeldArea {
    pub area_id: i64,
    pub code: String,
    pub name: String,
    /// The area above it (the 地域 of a 行政地区).
    pub parent_name: Option<String>,
}

/// A stage move as it is kept in the organisation's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct StageEvent {
    pub id: i64,
    pub organisation_id: i64,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub reason: Option<String>,
    pub actor_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn niimi() -> SchemeSettings {
        crate::scheme::preset("niimi").unwrap().scheme
    }

    fn to(stage: &str, reason: Option<&str>) -> StageMove {
        StageMove {
            to: stage.to_owned(),
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn a_jump_lists_every_unmet_requirement_of_the_stages_passed() {
        let scheme = niimi();
        let errors = to("設立・活動開始", None)
            .check(&scheme, Some("機運づくり"), &Progress::default())
            .unwrap_err();
        let messages: Vec<&str> = errors.errors.iter().map(|e| e.message.as_str()).collect();
        assert!(
            messages.contains(&"設立準備会の結成が記録されていません"),
            "{messages:?}"
        );
        assert!(messages.contains(&"区域が決まっていません"), "{messages:?}");
        assert!(messages.contains(&"将来計画（案）が作成されていません"), "{messages:?}");
        // The target's own requirements are asked only when it is left.
        assert!(
            !messages.contains(&"設立総会の開催が記録されていません"),
            "{messages:?}"
        );
    }

    #[test]
    fn a_move_goes_forward_once_the_stage_is_done() {
        let scheme = niimi();
        let done = Progress {
            records: vec![Requirement::Briefing, Requirement::PreparatoryCommittee],
            ..Default::default()
        };
        assert_eq!(
            to("将来計画策定", None).check(&scheme, Some("機運づくり"), &done),
            Ok(Direction::Forward)
        );
        let half = Progress {
            records: vec![Requirement::Briefing],
            ..Default::default()
        };
        let errors = to("将来計画策定", None)
            .check(&scheme, Some("機運づくり"), &half)
            .unwrap_err();
        assert_eq!(errors.errors.len(), 1);
    }

    #[test]
    fn going_back_needs_a_reason_and_staying_is_refused() {
        let scheme = niimi();
        let p = Progress::default();
        assert!(
            to("機運づくり", None)
                .check(&scheme, Some("将来計画策定"), &p)
                .unwrap_err()
                .get("reason")
                .is_some()
        );
        assert_eq!(
            to("機運づくり", Some("準備会の解散")).check(&scheme, Some("将来計画策定"), &p),
            Ok(Direction::Back)
        );
        assert!(to("機運づくり", None).check(&scheme, Some("機運づくり"), &p).is_err());
    }

    #[test]
    fn the_inventory_counts_only_when_every_group_is_decided() {
        let mut p = Progress {
            groups: 3,
            groups_undecided: 1,
            ..Default::default()
        };
        assert!(!p.met(Requirement::GroupsInventoried));
        p.groups_undecided = 0;
        assert!(p.met(Requirement::GroupsInventoried));
        assert!(!Progress::default().met(Requirement::GroupsInventoried));
    }

    #[test]
    fn a_parent_group_must_be_integrated_from_a_registered_organisation() {
        let get = |k: &str| match k {
            "name" => Some("唐松地域振興会".to_owned()),
            "disposition" => Some("link".to_owned()),
            "is_parent" => Some("true".to_owned()),
            _ => None,
        };
        let errors = ExistingGroupInput::parse(&get).unwrap_err();
        assert!(errors.get("is_parent").is_some());
        assert!(errors.get("decided_on").is_some());
        assert!(errors.get("source_organisation_id").is_some());
    }

    #[test]
    fn record_kinds_are_the_dated_requirements() {
        assert!(Requirement::records().all(Requirement::is_record));
        assert!(!Requirement::records().any(|r| r == Requirement::AreaChosen));
        assert_eq!(Requirement::try_from("bylaws".to_owned()), Ok(Requirement::Bylaws));
        assert!(Requirement::try_from("nonsense".to_owned()).is_err());
    }
}
