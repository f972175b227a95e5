//! Scheme settings (制度設定): how one municipality runs its liaison scheme —
//! area levels, liaison positions and terms, issue categories, duty types —
//! and the five presets drawn from the seed documents.

use serde::{Deserialize, Serialize};

use crate::organisations::establishment::{Requirement, StageRequirements};
use crate::validation::FieldErrors;

/// A staff grade (職位) as the municipality names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Grade {
    /// Stable key used in records and CSV (`manager`, `chief`, `staff`…).
    pub key: String,
    pub name: String,
}

/// What kind of post a liaison position is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PositionKind {
    /// A member of a district team, alongside regular duties (兼務).
    TeamMember,
    /// A full-time liaison post (専任).
    FullTime,
    /// A young staff member supporting an area (エリアサポーター).
    AreaSupporter,
}

impl PositionKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::TeamMember => "兼務",
            Self::FullTime => "専任",
            Self::AreaSupporter => "エリアサポーター",
        }
    }
}

/// A liaison position (地域担当職員の職) in each liaison unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Position {
    pub key: String,
    pub name: String,
    pub kind: PositionKind,
    /// The grade the holder must have; `None` when any grade may serve.
    #[serde(default)]
    pub grade: Option<String>,
    /// Term of office (任期) in fiscal years.
    pub term_years: u8,
    /// Fiscal years since hire before one may serve (Arao: 入庁後3年目以上 = 2).
    #[serde(default)]
    pub min_years_since_hire: u8,
    /// At most this many fiscal years since hire (young area supporters).
    #[serde(default)]
    pub max_years_since_hire: Option<u8>,
    /// How many holders each liaison unit has; `None` when the staffing rule decides.
    #[serde(default)]
    pub per_unit: Option<u8>,
    /// Whether a promotion during the term keeps the appointment (Arao: yes).
    #[serde(default)]
    pub survives_promotion: bool,
}

/// Kumamoto's rule: full-time staff per centre in proportion to the
/// elementary-school districts it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffingRule {
    /// One full-time liaison per this many elementary-school districts (rounded up).
    pub school_districts_per_staff: u8,
    pub minimum_per_unit: u8,
}

impl StaffingRule {
    /// Full-time liaison staff for a unit covering `school_districts` districts.
    pub fn staff_for(&self, school_districts: u32) -> u32 {
        let per = u32::from(self.school_districts_per_staff.max(1));
        school_districts.div_ceil(per).max(u32::from(self.minimum_per_unit))
    }
}

crate::keyed_enum! {
    /// A step of the team's response plan (対応方針) for an issue.
    pub enum PlanStep {
        /// 一般職員: 地域課題の整理及び対応方針案の検討.
        Draft = ("draft", "方針案の作成"),
        /// 課長補佐・係長級: 検討のサポート及び取りまとめ.
        Review = ("review", "方針案の確認"),
        /// 課長級: 対応方針の決定及び関係部署との調整.
        Decide = ("decide", "対応方針の決定"),
    }
}

/// One team step and the positions that may take it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssueStep {
    pub step: PlanStep,
    /// Position keys that may take the step; empty means any team member.
    #[serde(default)]
    pub positions: Vec<String>,
}

/// A simpler lifecycle's one step before 活動中: founded, with bylaws and officers.
fn founding_requirements(first_stage: &str) -> Vec<StageRequirements> {
    vec![StageRequirements {
        stage: first_stage.to_owned(),
        requires: vec![
            Requirement::FoundingAssembly,
            Requirement::Bylaws,
            Requirement::Officers,
        ],
    }]
}

/// Niimi's 設立までの流れ: ①機運づくり (説明会・学習会, 設立準備会), ②将来計画の
/// 策定 (the workshop that lists the area's strengths and issues, a draft
/// plan, the area, the existing groups), ③設立・活動開始 (設立総会 adopting
/// the plan, 規約, 役員), then 認可.
fn niimi_stage_requirements() -> Vec<StageRequirements> {
    use Requirement as R;
    vec![
        StageRequirements {
            stage: "機運づくり".to_owned(),
            requires: vec![R::Briefing, R::PreparatoryCommittee],
        },
        StageRequirements {
            stage: "将来計画策定".to_owned(),
            requires: vec![R::Workshop, R::FuturePlanDraft, R::AreaChosen, R::GroupsInventoried],
        },
        StageRequirements {
            stage: "設立・活動開始".to_owned(),
            requires: vec![R::FoundingAssembly, R::FuturePlanAdopted, R::Bylaws, R::Officers],
        },
    ]
}

/// Schemes without grades decide in one step.
/// Progress answers in September and March: mid-year and before the next year's budget.
pub fn twice_a_year() -> Vec<u32> {
    vec![9, 3]
}

fn one_step_decision() -> Vec<IssueStep> {
    vec![IssueStep {
        step: PlanStep::Decide,
        positions: Vec::new(),
    }]
}

/// The whole of one municipality's scheme settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SchemeSettings {
    /// Names of the area tree's levels, root first (区 → センター → 小学校区…).
    pub area_levels: Vec<String>,
    /// Index into `area_levels` of the level liaison teams are assigned to.
    pub liaison_level: usize,
    pub grades: Vec<Grade>,
    pub positions: Vec<Position>,
    #[serde(default)]
    pub staffing_rule: Option<StaffingRule>,
    pub issue_categories: Vec<String>,
    pub duty_types: Vec<String>,
    pub organisation_kinds: Vec<String>,
    /// Lifecycle stages of an organisation (Niimi: 機運づくり → 将来計画策定 → 設立・活動開始).
    pub lifecycle_stages: Vec<String>,
    /// What each stage asks before the organisation leaves it (Niimi: 説明会・
    /// 学習会 and 設立準備会 before 機運づくり is left…).
    #[serde(default)]
    pub stage_requirements: Vec<StageRequirements>,
    /// The kind of organisation that represents its area (地域運営組織,
    /// 地区協議会): it chooses a 区域 that no other active one holds, and its
    /// way through the stages is shown on the district's pages.
    #[serde(default)]
    pub area_body_kind: Option<String>,
    /// Whether the city recognises (認可) those bodies; only recognised ones
    /// are listed as such and receive the block grant (Niimi).
    #[serde(default)]
    pub recognition: bool,
    pub officer_roles: Vec<String>,
    /// The section that owns the scheme (くらしいき課, 総合政策課…).
    #[serde(default)]
    pub coordinating_section: String,
    /// The scheme in a paragraph for residents, at the top of the public
    /// site; empty: a sentence made from the settings.
    #[serde(default)]
    pub public_intro: String,
    /// The team's steps to a response plan, in order, ending with the decision.
    #[serde(default = "one_step_decision")]
    pub issue_steps: Vec<IssueStep>,
    /// How long departments have to answer.
    #[serde(default)]
    pub answer_deadlines: crate::issues::AnswerDeadlines,
    /// Whether outside apps may send issues through Open311 GeoReport v2.
    #[serde(default)]
    pub open311_enabled: bool,
    /// The months when departments give progress answers (進捗回答) on
    /// continuing issues, e.g. September and March.
    #[serde(default = "twice_a_year")]
    pub progress_months: Vec<u32>,
    /// Who appoints, and the rules beyond each position's own.
    #[serde(default)]
    pub appointment_rules: crate::appointments::AppointmentRules,
    /// When a month's liaison work is worth a coordinator's look.
    #[serde(default)]
    pub workload_alert: crate::activities::WorkloadAlert,
    /// When bodies' 年度計画 and 事業報告 are due.
    #[serde(default)]
    pub plan_deadlines: crate::plans::overdue::PlanDeadlines,
    /// The department that keeps disaster prevention (防災安全課、危機管理課):
    /// it reads every body's register of residents needing support. None
    /// until the city names it.
    #[serde(default)]
    pub disaster_prevention_department_id: Option<i64>,
}

impl SchemeSettings {
    /// The public site's opening paragraph: the city's own words, or what
    /// every such scheme does, in one sentence.
    pub fn public_intro(&self, municipality_name: &str) -> String {
        if !self.public_intro.trim().is_empty() {
            return self.public_intro.clone();
        }
        let section = if self.coordinating_section.is_empty() {
            String::new()
        } else {
            format!("（担当: {}）", self.coordinating_section)
        };
        format!(
            "{municipality_name}では、市の職員が「地域担当職員」として地区ごとにチームを組み、地域の団体の活動を支えています。\
             地域からの要望や課題は担当職員が受け取り、市の担当部署につないで、その回答を地域に報告します{section}。"
        )
    }

    pub fn grade_name(&self, key: &str) -> Option<&str> {
        self.grades.iter().find(|g| g.key == key).map(|g| g.name.as_str())
    }

    /// The positions that lead a team (チームの課長級): those that decide its
    /// response plan; in a one-step scheme, every position. They see all of
    /// the team's activity records.
    pub fn team_lead_positions(&self) -> Vec<&str> {
        let decide = self.issue_steps.iter().find(|s| s.step == PlanStep::Decide);
        match decide {
            Some(s) if !s.positions.is_empty() => s.positions.iter().map(String::as_str).collect(),
            _ => self.positions.iter().map(|p| p.key.as_str()).collect(),
        }
    }

    pub fn level_name(&self, level: usize) -> &str {
        self.area_levels.get(level).map_or("地区", |s| s.as_str())
    }

    /// Checks the settings hang together; every problem is reported.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let lists: [(&str, &str, &Vec<String>); 6] = [
            ("area_levels", "地区の階層", &self.area_levels),
            ("issue_categories", "課題の分類", &self.issue_categories),
            ("duty_types", "活動の種類", &self.duty_types),
            ("organisation_kinds", "団体の種別", &self.organisation_kinds),
            ("lifecycle_stages", "団体の段階", &self.lifecycle_stages),
            ("officer_roles", "役職", &self.officer_roles),
        ];
        for (field, label, list) in lists {
            if list.is_empty() {
                errors.add(field, format!("{label}を1つ以上入力してください"));
            }
            if let Some(dup) = first_duplicate(list.iter().map(String::as_str)) {
                errors.add(field, format!("{label}に「{dup}」が重複しています"));
            }
            if list.iter().any(|s| s.chars().count() > 40) {
                errors.add(field, format!("{label}は1項目40文字以内で入力してください"));
            }
        }
        self.validate_issue_steps(&mut errors);
        self.validate_stage_requirements(&mut errors);
        let d = self.plan_deadlines;
        if !(1..=12).contains(&d.annual_plan_month) || !(1..=12).contains(&d.report_month) {
            errors.add("plan_deadlines", "年度計画・事業報告の提出月は1〜12で入力してください");
        }
        if self.progress_months.iter().any(|m| !(1..=12).contains(m)) {
            errors.add("progress_months", "進捗回答の月は1〜12で入力してください");
        }
        for d in
            std::iter::once(&self.answer_deadlines.days).chain(self.answer_deadlines.categories.iter().map(|c| &c.days))
        {
            if d.iter().any(|days| !(1..=365).contains(days)) {
                errors.add("answer_deadlines", "回答期限は1〜365日で入力してください");
                break;
            }
        }
        for c in &self.answer_deadlines.categories {
            if !self.issue_categories.contains(&c.category) {
                errors.add(
                    "answer_deadlines",
                    format!("回答期限の分類「{}」が課題の分類にありません", c.category),
                );
            }
        }
        if self.liaison_level >= self.area_levels.len() {
            errors.add("liaison_level", "担当単位の階層を選択してください");
        }
        if self.grades.is_empty() {
            errors.add("grades", "職位を1つ以上入力してください");
        }
        if let Some(dup) = first_duplicate(self.grades.iter().map(|g| g.key.as_str())) {
            errors.add("grades", format!("職位のキー「{dup}」が重複しています"));
        }
        if let Some(dup) = first_duplicate(self.positions.iter().map(|p| p.key.as_str())) {
            errors.add("positions", format!("担当職のキー「{dup}」が重複しています"));
        }
        for p in &self.positions {
            if p.name.trim().is_empty() {
                errors.add("positions", "担当職の名称を入力してください");
            }
            if !(1..=10).contains(&p.term_years) {
                errors.add("positions", format!("{}の任期は1〜10年で入力してください", p.name));
            }
            if let Some(g) = &p.grade
                && self.grade_name(g).is_none()
            {
                errors.add("positions", format!("{}の職位「{g}」が職位の一覧にありません", p.name));
            }
            if p.per_unit.is_none() && self.staffing_rule.is_none() {
                errors.add("positions", format!("{}の1単位あたりの人数を入力してください", p.name));
            }
        }
        errors.into_result(())
    }
}

impl SchemeSettings {
    fn validate_stage_requirements(&self, errors: &mut FieldErrors) {
        for s in &self.stage_requirements {
            if !self.lifecycle_stages.contains(&s.stage) {
                errors.add(
                    "stage_requirements",
                    format!("要件の段階「{}」が団体の段階にありません", s.stage),
                );
            }
        }
        if let Some(dup) = first_duplicate(self.stage_requirements.iter().map(|s| s.stage.as_str())) {
            errors.add("stage_requirements", format!("段階「{dup}」の要件が重複しています"));
        }
        if let Some(kind) = &self.area_body_kind
            && !self.organisation_kinds.contains(kind)
        {
            errors.add(
                "area_body_kind",
                format!("地域の代表組織の種別「{kind}」が団体の種別にありません"),
            );
        }
        if self.recognition && self.area_body_kind.is_none() {
            errors.add(
                "area_body_kind",
                "認可の制度を使うときは、認可を受ける団体の種別を選んでください",
            );
        }
    }

    fn validate_issue_steps(&self, errors: &mut FieldErrors) {
        let order: Vec<PlanStep> = self.issue_steps.iter().map(|s| s.step).collect();
        let ascending = order.windows(2).all(|w| (w[0] as u8) < (w[1] as u8));
        if order.last() != Some(&PlanStep::Decide) || !ascending {
            errors.add(
                "issue_steps",
                "対応方針の段階は「作成→確認→決定」の順で、最後を「決定」にしてください",
            );
        }
        for step in &self.issue_steps {
            for key in &step.positions {
                if !self.positions.iter().any(|p| &p.key == key) {
                    errors.add(
                        "issue_steps",
                        format!("{}の担当職「{key}」が担当職の一覧にありません", step.step.label()),
                    );
                }
            }
        }
    }
}

/// A key for a grade or position added on the settings page, where keys are
/// never typed: `prefix` and the first number not yet taken (`grade5`).
pub fn new_key(prefix: &str, taken: &[&str]) -> String {
    (1..)
        .map(|n| format!("{prefix}{n}"))
        .find(|k| !taken.contains(&k.as_str()))
        .unwrap_or_else(|| prefix.to_owned())
}

/// A part of the settings whose preset value kyodo chose because the seed
/// document gives none (仮の値); the settings page marks it until the city
/// changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assumed {
    /// Terms and holders per unit of the positions.
    Positions,
    /// Full-time staff per school districts.
    StaffingRule,
    /// Departments' answer deadlines.
    AnswerDeadlines,
    /// The months of progress answers.
    ProgressMonths,
    /// The monthly workload alert.
    WorkloadAlert,
    /// What each organisation stage asks (the seeds name the steps, not the checks).
    StageRequirements,
    /// The months 年度計画 and 事業報告 are due.
    PlanDeadlines,
}

impl Assumed {
    fn holds(self, a: &SchemeSettings, b: &SchemeSettings) -> bool {
        match self {
            Self::Positions => a.positions == b.positions,
            Self::StaffingRule => a.staffing_rule == b.staffing_rule,
            Self::AnswerDeadlines => a.answer_deadlines == b.answer_deadlines,
            Self::ProgressMonths => a.progress_months == b.progress_months,
            Self::WorkloadAlert => a.workload_alert == b.workload_alert,
            Self::StageRequirements => a.stage_requirements == b.stage_requirements,
            Self::PlanDeadlines => a.plan_deadlines == b.plan_deadlines,
        }
    }
}

/// The parts of `scheme` still at a value kyodo assumed for the preset of
/// the municipality with `code` (none when no preset follows that city).
pub fn still_assumed(code: &str, scheme: &SchemeSettings) -> Vec<Assumed> {
    let Some(preset) = PRESET_KEYS
        .iter()
        .filter_map(|k| preset(k))
        .find(|p| p.municipality_code == code)
    else {
        return Vec::new();
    };
    preset
        .assumed
        .iter()
        .copied()
        .filter(|a| a.holds(scheme, &preset.scheme))
        .collect()
}

fn first_duplicate<'a>(items: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::HashSet::new();
    items.into_iter().find(|item| !seen.insert(*item))
}

/// A ready-made municipality: its scheme, named after the seed system it follows.
#[derive(Debug, Clone)]
pub struct Preset {
    pub key: &'static str,
    /// The demo municipality's name (fictional data, real scheme).
    pub municipality_name: &'static str,
    /// 全国地方公共団体コード of the city the preset follows.
    pub municipality_code: &'static str,
    pub scheme: SchemeSettings,
    /// What the seed document leaves open and kyodo filled in.
    pub assumed: &'static [Assumed],
}

/// Every preset's deadlines, progress months and workload alert are kyodo's:
/// no seed document names them.
const ALWAYS_ASSUMED: [Assumed; 5] = [
    Assumed::AnswerDeadlines,
    Assumed::ProgressMonths,
    Assumed::WorkloadAlert,
    Assumed::StageRequirements,
    Assumed::PlanDeadlines,
];

pub const PRESET_KEYS: [&str; 5] = ["arao", "niimi", "kumamoto", "tama", "osaki"];

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn three_grades() -> Vec<Grade> {
    [
        ("director", "部長級"),
        ("manager", "課長級"),
        ("chief", "課長補佐・係長級"),
        ("staff", "一般職員"),
    ]
    .into_iter()
    .map(|(key, name)| Grade {
        key: key.to_owned(),
        name: name.to_owned(),
    })
    .collect()
}

const DUTY_TYPES: [&str; 5] = ["運営支援", "調整支援", "活動支援", "人材育成支援", "相談対応"];
const CATEGORIES: [&str; 10] = [
    "環境整備",
    "防犯",
    "防災",
    "高齢者見守り",
    "子育て",
    "交通",
    "道路",
    "福祉",
    "公共施設",
    "その他",
];
const OFFICER_ROLES: [&str; 6] = ["会長", "副会長", "事務局長", "会計", "監事", "部会長"];

fn position(
    key: &str,
    name: &str,
    kind: PositionKind,
    grade: Option<&str>,
    term_years: u8,
    per_unit: Option<u8>,
) -> Position {
    Position {
        key: key.to_owned(),
        name: name.to_owned(),
        kind,
        grade: grade.map(str::to_owned),
        term_years,
        min_years_since_hire: 0,
        max_years_since_hire: None,
        per_unit,
        survives_promotion: false,
    }
}

/// Arao (地区担当職員制度): one team of three per district, one per grade,
/// appointed by the mayor; 課長級 2 years, others 3; the 一般職員 in at least
/// the third year since hire; a promotion during the term does not end it.
fn arao() -> Preset {
    let mut manager = position(
        "manager",
        "課長級",
        PositionKind::TeamMember,
        Some("manager"),
        2,
        Some(1),
    );
    let mut chief = position(
        "chief",
        "課長補佐・係長級",
        PositionKind::TeamMember,
        Some("chief"),
        3,
        Some(1),
    );
    let mut staff = position("staff", "一般職員", PositionKind::TeamMember, Some("staff"), 3, Some(1));
    staff.min_years_since_hire = 2;
    for p in [&mut manager, &mut chief, &mut staff] {
        p.survives_promotion = true;
    }
    Preset {
        key: "arao",
        municipality_name: "荒尾市（デモ）",
        municipality_code: "432041",
        // Arao's terms, grades and rules are all in its 要綱.
        assumed: &ALWAYS_ASSUMED,
        scheme: SchemeSettings {
            area_levels: strings(&["地区"]),
            liaison_level: 0,
            grades: three_grades(),
            positions: vec![manager, chief, staff],
            staffing_rule: None,
            issue_categories: strings(&CATEGORIES),
            duty_types: strings(&DUTY_TYPES),
            organisation_kinds: strings(&[
                "地区協議会",
                "区（自治会）",
                "NPO",
                "企業",
                "大学",
                "中間支援組織",
                "その他",
            ]),
            lifecycle_stages: strings(&["設立準備", "活動中"]),
            stage_requirements: founding_requirements("設立準備"),
            area_body_kind: Some("地区協議会".to_owned()),
            recognition: false,
            officer_roles: strings(&OFFICER_ROLES),
            coordinating_section: "くらしいき課".to_owned(),
            public_intro: String::new(),
            issue_steps: vec![
                IssueStep {
                    step: PlanStep::Draft,
                    positions: Vec::new(),
                },
                IssueStep {
                    step: PlanStep::Review,
                    positions: strings(&["chief", "manager"]),
                },
                IssueStep {
                    step: PlanStep::Decide,
                    positions: strings(&["manager"]),
                },
            ],
            answer_deadlines: Default::default(),
            open311_enabled: false,
            progress_months: twice_a_year(),
            // The rotation planner's Arao model: not in one's own district,
            // one department once per team, a replacement finishing the term.
            appointment_rules: crate::appointments::AppointmentRules {
                exclude_home_area: true,
                replacement_serves_remaining_term: true,
                distinct_departments_in_unit: true,
                ..Default::default()
            },
            workload_alert: Default::default(),
            plan_deadlines: Default::default(),
            disaster_prevention_department_id: None,
        },
    }
}

/// Niimi (小規模多機能自治): liaison staff per 地域運営組織 area, the 総合政策課
/// coordinating; organisations move through three stages to approval (認可).
fn niimi() -> Preset {
    Preset {
        key: "niimi",
        municipality_name: "新見市（デモ）",
        municipality_code: "332101",
        // Neither term nor the pair per area is in the seed.
        assumed: &[
            Assumed::Positions,
            Assumed::AnswerDeadlines,
            Assumed::ProgressMonths,
            Assumed::WorkloadAlert,
            Assumed::StageRequirements,
            Assumed::PlanDeadlines,
        ],
        scheme: SchemeSettings {
            area_levels: strings(&["地域", "行政地区"]),
            liaison_level: 0,
            grades: three_grades(),
            positions: vec![position(
                "liaison",
                "地域担当職員",
                PositionKind::TeamMember,
                None,
                2,
                Some(2),
            )],
            staffing_rule: None,
            issue_categories: strings(&CATEGORIES),
            duty_types: strings(&DUTY_TYPES),
            organisation_kinds: strings(&[
                "地域運営組織",
                "地域振興会",
                "行政地区",
                "社会福祉協議会",
                "NPO",
                "企業",
                "大学",
                "その他",
            ]),
            lifecycle_stages: strings(&["機運づくり", "将来計画策定", "設立・活動開始"]),
            stage_requirements: niimi_stage_requirements(),
            area_body_kind: Some("地域運営組織".to_owned()),
            recognition: true,
            officer_roles: strings(&OFFICER_ROLES),
            coordinating_section: "協働推進係".to_owned(),
            public_intro: String::new(),
            issue_steps: one_step_decision(),
            answer_deadlines: Default::default(),
            open311_enabled: false,
            progress_months: twice_a_year(),
            appointment_rules: Default::default(),
            workload_alert: Default::default(),
            plan_deadlines: Default::default(),
            disaster_prevention_department_id: None,
        },
    }
}

/// Kumamoto (まちづくりセンター): 5 wards, 19 centres, full-time liaison staff
/// per centre in proportion to the elementary-school districts it covers.
fn kumamoto() -> Preset {
    Preset {
        key: "kumamoto",
        municipality_name: "熊本市（デモ）",
        municipality_code: "431001",
        // The seed gives the proportion's idea, not its numbers or the term.
        assumed: &[
            Assumed::Positions,
            Assumed::StaffingRule,
            Assumed::AnswerDeadlines,
            Assumed::ProgressMonths,
            Assumed::WorkloadAlert,
            Assumed::StageRequirements,
            Assumed::PlanDeadlines,
        ],
        scheme: SchemeSettings {
            area_levels: strings(&["区", "まちづくりセンター", "小学校区"]),
            liaison_level: 1,
            grades: three_grades(),
            positions: vec![position(
                "fulltime",
                "地域担当職員（専任）",
                PositionKind::FullTime,
                None,
                3,
                None,
            )],
            staffing_rule: Some(StaffingRule {
                school_districts_per_staff: 2,
                minimum_per_unit: 2,
            }),
            issue_categories: strings(&CATEGORIES),
            duty_types: strings(&DUTY_TYPES),
            organisation_kinds: strings(&[
                "校区自治協議会",
                "町内自治会",
                "NPO",
                "企業",
                "大学",
                "中間支援組織",
                "その他",
            ]),
            lifecycle_stages: strings(&["設立準備", "活動中"]),
            stage_requirements: founding_requirements("設立準備"),
            area_body_kind: Some("校区自治協議会".to_owned()),
            recognition: false,
            officer_roles: strings(&OFFICER_ROLES),
            coordinating_section: "地域政策課".to_owned(),
            public_intro: String::new(),
            issue_steps: one_step_decision(),
            answer_deadlines: Default::default(),
            open311_enabled: false,
            progress_months: twice_a_year(),
            appointment_rules: Default::default(),
            workload_alert: Default::default(),
            plan_deadlines: Default::default(),
            disaster_prevention_department_id: None,
        },
    }
}

/// Tama (地域協創): full-time liaison staff first, young staff as area
/// supporters; intermediary support organisations.
fn tama() -> Preset {
    let mut supporter = position(
        "supporter",
        "エリアサポーター",
        PositionKind::AreaSupporter,
        Some("staff"),
        1,
        Some(2),
    );
    supporter.max_years_since_hire = Some(10);
    Preset {
        key: "tama",
        municipality_name: "多摩市（デモ）",
        municipality_code: "132241",
        // The supporters' one-year term and ten years since hire are ours.
        assumed: &[
            Assumed::Positions,
            Assumed::AnswerDeadlines,
            Assumed::ProgressMonths,
            Assumed::WorkloadAlert,
            Assumed::StageRequirements,
            Assumed::PlanDeadlines,
        ],
        scheme: SchemeSettings {
            area_levels: strings(&["エリア"]),
            liaison_level: 0,
            grades: three_grades(),
            positions: vec![
                position(
                    "fulltime",
                    "地域担当職員（専任）",
                    PositionKind::FullTime,
                    None,
                    3,
                    Some(1),
                ),
                supporter,
            ],
            staffing_rule: None,
            issue_categories: strings(&CATEGORIES),
            duty_types: strings(&DUTY_TYPES),
            organisation_kinds: strings(&["自治会・管理組合", "NPO", "企業", "大学", "中間支援組織", "その他"]),
            lifecycle_stages: strings(&["準備", "活動中"]),
            stage_requirements: founding_requirements("準備"),
            area_body_kind: None,
            recognition: false,
            officer_roles: strings(&OFFICER_ROLES),
            coordinating_section: "協創推進室".to_owned(),
            public_intro: String::new(),
            issue_steps: one_step_decision(),
            answer_deadlines: Default::default(),
            open311_enabled: false,
            progress_months: twice_a_year(),
            appointment_rules: Default::default(),
            workload_alert: Default::default(),
            plan_deadlines: Default::default(),
            disaster_prevention_department_id: None,
        },
    }
}

/// Osaki (our reading of the Kagoshima network talk): a liaison pair per
/// まちづくり協議会 area, with events published and handover taken slowly.
fn osaki() -> Preset {
    Preset {
        key: "osaki",
        municipality_name: "大崎市（デモ）",
        municipality_code: "042153",
        // Neither term nor the pair per area is in the seed.
        assumed: &[
            Assumed::Positions,
            Assumed::AnswerDeadlines,
            Assumed::ProgressMonths,
            Assumed::WorkloadAlert,
            Assumed::StageRequirements,
            Assumed::PlanDeadlines,
        ],
        scheme: SchemeSettings {
            area_levels: strings(&["地域", "地区"]),
            liaison_level: 1,
            grades: three_grades(),
            positions: vec![position(
                "liaison",
                "地域担当職員",
                PositionKind::TeamMember,
                None,
                2,
                Some(2),
            )],
            staffing_rule: None,
            issue_categories: strings(&CATEGORIES),
            duty_types: strings(&DUTY_TYPES),
            organisation_kinds: strings(&["まちづくり協議会", "行政区", "NPO", "企業", "大学", "その他"]),
            lifecycle_stages: strings(&["設立準備", "活動中"]),
            stage_requirements: founding_requirements("設立準備"),
            area_body_kind: Some("まちづくり協議会".to_owned()),
            recognition: false,
            officer_roles: strings(&OFFICER_ROLES),
            coordinating_section: "まちづくり推進課".to_owned(),
            public_intro: String::new(),
            issue_steps: one_step_decision(),
            answer_deadlines: Default::default(),
            open311_enabled: false,
            progress_months: twice_a_year(),
            appointment_rules: Default::default(),
            workload_alert: Default::default(),
            plan_deadlines: Default::default(),
            disaster_prevention_department_id: None,
        },
    }
}

/// The preset named `key`, if there is one.
pub fn preset(key: &str) -> Option<Preset> {
    match key {
        "arao" => Some(arao()),
        "niimi" => Some(niimi()),
        "kumamoto" => Some(kumamoto()),
        "tama" => Some(tama()),
        "osaki" => Some(osaki()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_keys_skip_the_taken_ones() {
        assert_eq!(new_key("grade", &["grade1", "manager"]), "grade2");
        assert_eq!(new_key("position", &[]), "position1");
    }

    #[test]
    fn an_assumed_value_is_marked_until_the_city_changes_it() {
        let mut s = preset("kumamoto").unwrap().scheme;
        assert!(still_assumed("431001", &s).contains(&Assumed::StaffingRule));
        s.staffing_rule = None;
        assert!(!still_assumed("431001", &s).contains(&Assumed::StaffingRule));
        assert!(still_assumed("431001", &s).contains(&Assumed::WorkloadAlert));
        assert!(still_assumed("999999", &s).is_empty(), "no preset follows that city");
        assert!(!still_assumed("432041", &preset("arao").unwrap().scheme).contains(&Assumed::Positions));
    }

    #[test]
    fn every_preset_is_valid() {
        for key in PRESET_KEYS {
            let p = preset(key).expect("listed preset exists");
            assert_eq!(p.key, key);
            assert_eq!(p.scheme.validate(), Ok(()), "{key}");
        }
        assert!(preset("tokyo").is_none());
    }

    #[test]
    fn arao_has_its_three_grades_and_terms() {
        let s = preset("arao").unwrap().scheme;
        let terms: Vec<(Option<&str>, u8, u8)> = s
            .positions
            .iter()
            .map(|p| (p.grade.as_deref(), p.term_years, p.min_years_since_hire))
            .collect();
        assert_eq!(
            terms,
            vec![(Some("manager"), 2, 0), (Some("chief"), 3, 0), (Some("staff"), 3, 2)]
        );
        assert!(s.positions.iter().all(|p| p.survives_promotion));
    }

    #[test]
    fn kumamoto_staffs_centres_by_school_districts() {
        let rule = preset("kumamoto").unwrap().scheme.staffing_rule.unwrap();
        assert_eq!(rule.staff_for(1), 2, "minimum applies");
        assert_eq!(rule.staff_for(5), 3);
        assert_eq!(rule.staff_for(8), 4);
    }

    #[test]
    fn validate_reports_every_problem() {
        let mut s = preset("arao").unwrap().scheme;
        s.issue_categories.push("防災".to_owned());
        s.liaison_level = 3;
        s.positions[0].term_years = 0;
        s.positions[1].grade = Some("unknown".to_owned());
        let errors = s.validate().unwrap_err();
        assert_eq!(errors.errors.len(), 4, "{errors}");
        assert!(errors.get("issue_categories").unwrap().contains("防災"));
    }

    #[test]
    fn settings_survive_a_json_round_trip() {
        let s = preset("tama").unwrap().scheme;
        let json = serde_json::to_string(&s).unwrap();
        let back: SchemeSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}
