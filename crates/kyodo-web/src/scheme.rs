//! Scheme settings (制度設定): the page where a coordinator reads and edits
//! them, and the API that reads them.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use kyodo_core::activities::WorkloadAlert;
use kyodo_core::appointments::AppointmentRules;
use kyodo_core::issues::{AnswerDeadlines, CategoryDeadline};
use kyodo_core::organisations::establishment::{Requirement, StageRequirements};
use kyodo_core::permissions::Action;
use kyodo_core::scheme::{Assumed, Grade, IssueStep, PlanStep, Position, PositionKind, SchemeSettings, StaffingRule};
use kyodo_core::validation::FieldErrors;

use crate::AppState;
use crate::api::{FormFields, PageQuery};
use crate::auth::{ApiCaller, Caller, PageCaller};
use crate::error::{ApiResult, PageResult};
use crate::pages::{self, FieldKind, FieldSpec, FormState, Layout};

#[derive(Template)]
#[template(path = "scheme.html")]
struct SchemePage {
    layout: Layout,
    editable: bool,
    form: FormState,
    list_fields: Vec<FieldSpec>,
    rule_fields: Vec<FieldSpec>,
    alert_fields: Vec<FieldSpec>,
    grade_rows: Vec<usize>,
    position_rows: Vec<usize>,
    deadline_rows: Vec<usize>,
    kinds: Vec<(String, String)>,
    grades: Vec<(String, String)>,
    /// The positions a team step may be limited to: (key, name).
    positions: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    /// The fiscal year's months, April first: (number, 「4月」).
    months: Vec<(String, String)>,
    /// Parts still at a value kyodo assumed (see `Assumed`).
    assumed: Vec<Assumed>,
    /// The team's steps: (key, label, who usually takes it, whether it may be left out).
    steps: Vec<(&'static str, &'static str, &'static str, bool)>,
    /// The organisation stages as saved, for their requirement rows: (row, stage).
    stage_rows: Vec<(usize, String)>,
    /// What a stage may ask: (key, label).
    requirements: Vec<(&'static str, &'static str)>,
    /// The organisation kinds, with none first.
    org_kinds: Vec<(String, String)>,
    /// The departments, with none first: (id, name).
    departments: Vec<(String, String)>,
}

impl SchemePage {
    /// Whether the form's `list` (a comma-joined multiple choice) holds `value`.
    fn has(&self, list: &str, value: &str) -> bool {
        self.form.v(list).split(',').any(|v| v == value)
    }

    fn is_assumed(&self, part: &str) -> bool {
        self.assumed.iter().any(|a| assumed_key(*a) == part)
    }
}

fn assumed_key(a: Assumed) -> &'static str {
    match a {
        Assumed::Positions => "positions",
        Assumed::StaffingRule => "staffing_rule",
        Assumed::AnswerDeadlines => "answer_deadlines",
        Assumed::ProgressMonths => "progress_months",
        Assumed::WorkloadAlert => "workload_alert",
        Assumed::StageRequirements => "stage_requirements",
        Assumed::PlanDeadlines => "plan_deadlines",
    }
}

/// The rows a repeated part of the form has: those the form holds, one
/// more when 「行を追加」 asked for it, and at least one.
fn rows(form: &FormState, prefix: &str, add: bool) -> Vec<usize> {
    let held = form
        .values
        .keys()
        .filter_map(|k| k.strip_prefix(prefix)?.split_once('_')?.0.parse::<usize>().ok())
        .map(|i| i + 1)
        .max()
        .unwrap_or(0);
    (0..(held + usize::from(add)).max(1)).collect()
}

/// The most rows a repeated part is read back from.
const MAX_ROWS: usize = 40;

const LISTS: [(&str, &str, &str); 6] = [
    (
        "area_levels",
        "地区の階層（上から1行ずつ）",
        "例: 区 → まちづくりセンター → 小学校区",
    ),
    ("issue_categories", "課題の分類（1行に1つ）", ""),
    ("duty_types", "活動の種類（1行に1つ）", ""),
    ("organisation_kinds", "団体の種別（1行に1つ）", ""),
    (
        "lifecycle_stages",
        "団体の段階（順に1行ずつ）",
        "例: 機運づくり → 将来計画策定 → 設立・活動開始",
    ),
    ("officer_roles", "役員の役職（1行に1つ）", ""),
];

/// 高, 中, 低: the deadline fields' suffixes, in the order of `AnswerDeadlines::days`.
const PRIORITIES: [(&str, &str); 3] = [("high", "高"), ("normal", "中"), ("low", "低")];

fn kind_key(k: PositionKind) -> &'static str {
    match k {
        PositionKind::TeamMember => "team_member",
        PositionKind::FullTime => "full_time",
        PositionKind::AreaSupporter => "area_supporter",
    }
}

/// The settings as form fields.
fn values(s: &SchemeSettings) -> HashMap<String, String> {
    let mut v = HashMap::new();
    let lists: [(&str, &Vec<String>); 6] = [
        ("area_levels", &s.area_levels),
        ("issue_categories", &s.issue_categories),
        ("duty_types", &s.duty_types),
        ("organisation_kinds", &s.organisation_kinds),
        ("lifecycle_stages", &s.lifecycle_stages),
        ("officer_roles", &s.officer_roles),
    ];
    for (k, list) in lists {
        v.insert(k.to_owned(), list.join("\n"));
    }
    v.insert("liaison_level".into(), s.liaison_level.to_string());
    v.insert("coordinating_section".into(), s.coordinating_section.clone());
    v.insert("public_intro".into(), s.public_intro.clone());
    for (i, g) in s.grades.iter().enumerate() {
        v.insert(format!("grade{i}_key"), g.key.clone());
        v.insert(format!("grade{i}_name"), g.name.clone());
    }
    for (i, p) in s.positions.iter().enumerate() {
        v.insert(format!("pos{i}_key"), p.key.clone());
        v.insert(format!("pos{i}_name"), p.name.clone());
        v.insert(format!("pos{i}_kind"), kind_key(p.kind).into());
        v.insert(format!("pos{i}_grade"), p.grade.clone().unwrap_or_default());
        v.insert(format!("pos{i}_term"), p.term_years.to_string());
        v.insert(format!("pos{i}_min"), p.min_years_since_hire.to_string());
        v.insert(
            format!("pos{i}_max"),
            p.max_years_since_hire.map(|m| m.to_string()).unwrap_or_default(),
        );
        v.insert(
            format!("pos{i}_per"),
            p.per_unit.map(|m| m.to_string()).unwrap_or_default(),
        );
        if p.survives_promotion {
            v.insert(format!("pos{i}_promo"), "true".into());
        }
    }
    if let Some(rule) = s.staffing_rule {
        v.insert("rule_schools".into(), rule.school_districts_per_staff.to_string());
        v.insert("rule_minimum".into(), rule.minimum_per_unit.to_string());
    }
    let rules = &s.appointment_rules;
    v.insert("appointer".into(), rules.appointer.clone());
    for (key, on) in [
        ("exclude_home_area", rules.exclude_home_area),
        (
            "replacement_serves_remaining_term",
            rules.replacement_serves_remaining_term,
        ),
        ("distinct_departments_in_unit", rules.distinct_departments_in_unit),
    ] {
        if on {
            v.insert(key.into(), "true".into());
        }
    }
    establishment_values(s, &mut v);
    v.insert("alert_hours".into(), s.workload_alert.monthly_hours.to_string());
    v.insert(
        "alert_out_of_hours".into(),
        s.workload_alert.monthly_out_of_hours.to_string(),
    );
    issue_values(s, &mut v);
    v
}

/// The area body, recognition and each stage's requirements as form fields:
/// `req{i}_stage` names the stage of row `i`, `req{i}_{requirement}` ticks one.
fn establishment_values(s: &SchemeSettings, v: &mut HashMap<String, String>) {
    v.insert("area_body_kind".into(), s.area_body_kind.clone().unwrap_or_default());
    if s.recognition {
        v.insert("recognition".into(), "true".into());
    }
    v.insert("plan_month".into(), s.plan_deadlines.annual_plan_month.to_string());
    v.insert("report_month".into(), s.plan_deadlines.report_month.to_string());
    if let Some(d) = s.disaster_prevention_department_id {
        v.insert("disaster_department".into(), d.to_string());
    }
    for (i, stage) in s.lifecycle_stages.iter().enumerate() {
        v.insert(format!("req{i}_stage"), stage.clone());
        for r in kyodo_core::organisations::establishment::requirements(s, stage) {
            v.insert(format!("req{i}_{}", r.key()), "true".into());
        }
    }
}

/// Each stage's requirements as ticked; a row whose stage is no longer in
/// `stages` (renamed or removed in the same save) is dropped.
fn parse_stage_requirements(get: &dyn Fn(&str) -> String, stages: &[String]) -> Vec<StageRequirements> {
    (0..MAX_ROWS)
        .filter_map(|i| {
            let stage = get(&format!("req{i}_stage"));
            if stage.is_empty() || !stages.contains(&stage) {
                return None;
            }
            let requires: Vec<Requirement> = Requirement::ALL
                .into_iter()
                .filter(|r| get(&format!("req{i}_{}", r.key())) == "true")
                .collect();
            (!requires.is_empty()).then_some(StageRequirements { stage, requires })
        })
        .collect()
}

/// The issue workflow's settings as form fields: the team's steps, answer
/// deadlines (高,中,低 days, and per-category lines), Open311.
fn issue_values(s: &SchemeSettings, v: &mut HashMap<String, String>) {
    for step in &s.issue_steps {
        v.insert(format!("step_{}", step.step.key()), "true".into());
        v.insert(format!("step_{}_positions", step.step.key()), step.positions.join(","));
    }
    deadline_values(v, "deadline", &s.answer_deadlines.days);
    for (i, c) in s.answer_deadlines.categories.iter().enumerate() {
        v.insert(format!("dl{i}_category"), c.category.clone());
        deadline_values(v, &format!("dl{i}"), &c.days);
    }
    if s.open311_enabled {
        v.insert("open311_enabled".into(), "true".into());
    }
    let months: Vec<String> = s.progress_months.iter().map(u32::to_string).collect();
    v.insert("progress_months".into(), months.join(","));
}

fn deadline_values(v: &mut HashMap<String, String>, prefix: &str, days: &[u16; 3]) {
    for ((suffix, _), d) in PRIORITIES.iter().zip(days) {
        v.insert(format!("{prefix}_{suffix}"), d.to_string());
    }
}

/// 「9,3」: the months of progress answers; empty for none.
fn parse_months(raw: &str, errors: &mut FieldErrors) -> Vec<u32> {
    let mut months = Vec::new();
    for part in raw.split([',', '、', ' ']).filter(|p| !p.trim().is_empty()) {
        match kyodo_core::text::normalize_digits(part)
            .trim()
            .trim_end_matches('月')
            .parse::<u32>()
        {
            Ok(m) if !months.contains(&m) => months.push(m),
            Ok(_) => {}
            Err(_) => {
                errors.add("progress_months", "進捗回答の月は「9,3」のように数字で入力してください");
                break;
            }
        }
    }
    months
}

/// The three days (高, 中, 低) of the deadline fields under `prefix`.
fn parse_days(get: &dyn Fn(&str) -> String, prefix: &str) -> Option<[u16; 3]> {
    let mut days = [0u16; 3];
    for ((suffix, _), d) in PRIORITIES.iter().zip(&mut days) {
        *d = kyodo_core::text::normalize_digits(&get(&format!("{prefix}_{suffix}")))
            .trim_end_matches('日')
            .parse()
            .ok()?;
    }
    Some(days)
}

/// The issue workflow's part of the settings form.
struct IssueSettings {
    steps: Vec<IssueStep>,
    deadlines: AnswerDeadlines,
    open311_enabled: bool,
    progress_months: Vec<u32>,
}

fn parse_issue_settings(get: &dyn Fn(&str) -> String, errors: &mut FieldErrors) -> IssueSettings {
    let steps = PlanStep::ALL
        .iter()
        .filter(|step| **step == PlanStep::Decide || get(&format!("step_{}", step.key())) == "true")
        .map(|step| IssueStep {
            step: *step,
            positions: get(&format!("step_{}_positions", step.key()))
                .split([',', '、', ' '])
                .map(kyodo_core::text::fold_ascii)
                .filter(|k| !k.is_empty())
                .collect(),
        })
        .collect();
    let days = parse_days(get, "deadline").unwrap_or_else(|| {
        errors.add(
            "answer_deadlines",
            "回答期限は高・中・低それぞれの日数を数字で入力してください",
        );
        AnswerDeadlines::default().days
    });
    let mut categories = Vec::new();
    for i in 0..MAX_ROWS {
        let category = get(&format!("dl{i}_category"));
        if category.is_empty() || get(&format!("dl{i}_remove")) == "true" {
            continue;
        }
        match parse_days(get, &format!("dl{i}")) {
            Some(days) => categories.push(CategoryDeadline { category, days }),
            None => errors.add(
                "answer_deadlines",
                format!("「{category}」の回答期限は高・中・低それぞれの日数を数字で入力してください"),
            ),
        }
    }
    IssueSettings {
        steps,
        deadlines: AnswerDeadlines { days, categories },
        open311_enabled: get("open311_enabled") == "true",
        progress_months: parse_months(&get("progress_months"), errors),
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(kyodo_core::text::normalize_input)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Reads the form back into settings; number fields that are not numbers are reported.
fn parse(form: &HashMap<String, String>) -> Result<SchemeSettings, FieldErrors> {
    let mut errors = FieldErrors::new();
    let get = |k: &str| {
        form.get(k)
            .map(|v| kyodo_core::text::normalize_input(v))
            .unwrap_or_default()
    };
    let list = |k: &str| form.get(k).map(|v| lines(v)).unwrap_or_default();
    let number = |k: &str, label: &str, errors: &mut FieldErrors| -> Option<u8> {
        let raw = kyodo_core::text::normalize_digits(&get(k));
        if raw.is_empty() {
            return None;
        }
        raw.parse::<u8>().ok().or_else(|| {
            errors.add("positions", format!("{label}は0〜255の数字で入力してください"));
            None
        })
    };
    let hours_field = |k: &str, label: &str, errors: &mut FieldErrors| -> Option<u16> {
        let raw = kyodo_core::text::normalize_digits(&get(k));
        if raw.is_empty() {
            return None;
        }
        raw.parse::<u16>().ok().filter(|h| (1..=744).contains(h)).or_else(|| {
            errors.add(k, format!("{label}は1〜744の時間数で入力してください"));
            None
        })
    };
    let month_field = |k: &str, errors: &mut FieldErrors| -> u32 {
        let raw = kyodo_core::text::normalize_digits(&get(k));
        raw.trim().trim_end_matches('月').parse::<u32>().unwrap_or_else(|_| {
            errors.add(
                "plan_deadlines",
                "年度計画・事業報告の提出月は1〜12の数字で入力してください",
            );
            0
        })
    };
    let removed = |prefix: &str, i: usize| get(&format!("{prefix}{i}_remove")) == "true";
    let mut grades: Vec<Grade> = Vec::new();
    for i in (0..MAX_ROWS).filter(|i| !removed("grade", *i)) {
        let key = get(&format!("grade{i}_key"));
        let name = get(&format!("grade{i}_name"));
        if name.is_empty() {
            if !key.is_empty() {
                errors.add(
                    "grades",
                    "職位の名称を入力してください（使わない職位は「削除」を選びます）",
                );
            }
            continue;
        }
        grades.push(Grade { key, name });
    }
    let mut positions = Vec::new();
    for i in (0..MAX_ROWS).filter(|i| !removed("pos", *i)) {
        let key = get(&format!("pos{i}_key"));
        let name = get(&format!("pos{i}_name"));
        if name.is_empty() {
            if !key.is_empty() {
                errors.add(
                    "positions",
                    "担当職の名称を入力してください（使わない担当職は「削除」を選びます）",
                );
            }
            continue;
        }
        let kind = match get(&format!("pos{i}_kind")).as_str() {
            "full_time" => PositionKind::FullTime,
            "area_supporter" => PositionKind::AreaSupporter,
            _ => PositionKind::TeamMember,
        };
        let grade = Some(get(&format!("pos{i}_grade"))).filter(|g| !g.is_empty());
        let term = number(&format!("pos{i}_term"), "任期", &mut errors).unwrap_or(0);
        positions.push(Position {
            key,
            name,
            kind,
            grade,
            term_years: term,
            min_years_since_hire: number(&format!("pos{i}_min"), "採用後の年数", &mut errors).unwrap_or(0),
            max_years_since_hire: number(&format!("pos{i}_max"), "採用後の年数", &mut errors),
            per_unit: number(&format!("pos{i}_per"), "1単位の人数", &mut errors),
            survives_promotion: get(&format!("pos{i}_promo")) == "true",
        });
    }
    // Keys are never typed: a new row gets the next free one.
    for i in 0..grades.len() {
        if grades[i].key.is_empty() {
            let taken: Vec<&str> = grades.iter().map(|g| g.key.as_str()).collect();
            grades[i].key = kyodo_core::scheme::new_key("grade", &taken);
        }
    }
    for i in 0..positions.len() {
        if positions[i].key.is_empty() {
            let taken: Vec<&str> = positions.iter().map(|p| p.key.as_str()).collect();
            positions[i].key = kyodo_core::scheme::new_key("position", &taken);
        }
    }
    let staffing_rule = match (
        number("rule_schools", "小学校区の数", &mut errors),
        number("rule_minimum", "最少人数", &mut errors),
    ) {
        (Some(s), m) => Some(StaffingRule {
            school_districts_per_staff: s,
            minimum_per_unit: m.unwrap_or(1),
        }),
        _ => None,
    };
    let issue = parse_issue_settings(&get, &mut errors);
    let lifecycle_stages = list("lifecycle_stages");
    let settings = SchemeSettings {
        area_levels: list("area_levels"),
        liaison_level: get("liaison_level").parse().unwrap_or(0),
        grades,
        positions,
        staffing_rule,
        issue_categories: list("issue_categories"),
        duty_types: list("duty_types"),
        organisation_kinds: list("organisation_kinds"),
        stage_requirements: parse_stage_requirements(&get, &lifecycle_stages),
        area_body_kind: Some(get("area_body_kind")).filter(|k| !k.is_empty()),
        recognition: get("recognition") == "true",
        plan_deadlines: kyodo_core::plans::overdue::PlanDeadlines {
            annual_plan_month: month_field("plan_month", &mut errors),
            report_month: month_field("report_month", &mut errors),
        },
        disaster_prevention_department_id: get("disaster_department").parse().ok(),
        lifecycle_stages,
        officer_roles: list("officer_roles"),
        coordinating_section: get("coordinating_section"),
        public_intro: kyodo_core::text::normalize_multiline(form.get("public_intro").map(String::as_str).unwrap_or("")),
        issue_steps: issue.steps,
        answer_deadlines: issue.deadlines,
        open311_enabled: issue.open311_enabled,
        progress_months: issue.progress_months,
        appointment_rules: AppointmentRules {
            appointer: Some(get("appointer"))
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| AppointmentRules::default().appointer),
            exclude_home_area: get("exclude_home_area") == "true",
            replacement_serves_remaining_term: get("replacement_serves_remaining_term") == "true",
            distinct_departments_in_unit: get("distinct_departments_in_unit") == "true",
        },
        workload_alert: WorkloadAlert {
            monthly_hours: hours_field("alert_hours", "1か月の活動時間の警告", &mut errors)
                .unwrap_or(WorkloadAlert::default().monthly_hours),
            monthly_out_of_hours: hours_field("alert_out_of_hours", "1か月の時間外の警告", &mut errors)
                .unwrap_or(WorkloadAlert::default().monthly_out_of_hours),
        },
    };
    if let Err(more) = settings.validate() {
        errors.errors.extend(more.errors);
    }
    errors.into_result(settings)
}

/// The page; `add` names the repeated part 「行を追加」 asked one more row of.
fn view(
    caller: &Caller,
    form: FormState,
    notice: Option<&str>,
    add: &str,
    departments: &[kyodo_core::departments::Department],
) -> SchemePage {
    let scheme = &caller.municipality.scheme;
    let level_options = scheme
        .area_levels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), l.clone()))
        .collect();
    let mut list_fields: Vec<FieldSpec> = LISTS
        .iter()
        .map(|(name, label, hint)| {
            FieldSpec::text(name, label)
                .kind(FieldKind::Textarea)
                .required()
                .hint(hint)
        })
        .collect();
    list_fields.insert(
        1,
        FieldSpec::select("liaison_level", "担当単位の階層", level_options).required(),
    );
    list_fields.push(FieldSpec::text("coordinating_section", "制度所管課").hint("例: くらしいき課、総合政策課"));
    list_fields.push(
        FieldSpec::text("public_intro", "公開ページの紹介文")
            .kind(FieldKind::Textarea)
            .hint("住民向けの公開ページの冒頭に載せる、制度の説明です。空欄なら設定から作った一文を載せます"),
    );
    let mut grades = vec![(String::new(), "（問わない）".to_owned())];
    grades.extend(scheme.grades.iter().map(|g| (g.key.clone(), g.name.clone())));
    SchemePage {
        layout: Layout::new(caller, "制度設定", "/settings/scheme").with_notice(notice),
        editable: caller.can(Action::SchemeWrite),
        list_fields,
        rule_fields: vec![
            FieldSpec::text("rule_schools", "専任職員1人あたりの小学校区の数")
                .hint("熊本市のように、担当単位の小学校区の数で専任職員の人数を決めるときだけ入力します"),
            FieldSpec::text("rule_minimum", "1単位の最少人数（上の決まりを使うとき）"),
        ],
        alert_fields: vec![
            FieldSpec::text("alert_hours", "1か月の活動時間（時間）")
                .hint("1人の1か月の地域担当の活動がこの時間を超えると、負担の集計で警告します。例: 20"),
            FieldSpec::text("alert_out_of_hours", "1か月の時間外（時間）").hint("例: 10"),
        ],
        grade_rows: rows(&form, "grade", add == "grade"),
        position_rows: rows(&form, "pos", add == "position"),
        deadline_rows: rows(&form, "dl", add == "deadline"),
        form,
        kinds: [
            PositionKind::TeamMember,
            PositionKind::FullTime,
            PositionKind::AreaSupporter,
        ]
        .into_iter()
        .map(|k| (kind_key(k).to_owned(), k.label().to_owned()))
        .collect(),
        grades,
        positions: scheme
            .positions
            .iter()
            .map(|p| (p.key.clone(), p.name.clone()))
            .collect(),
        categories: pages::string_options(&scheme.issue_categories),
        months: (4..=15)
            .map(|m| (m - 1) % 12 + 1)
            .map(|m: u32| (m.to_string(), format!("{m}月")))
            .collect(),
        assumed: kyodo_core::scheme::still_assumed(&caller.municipality.code, scheme),
        stage_rows: scheme.lifecycle_stages.iter().cloned().enumerate().collect(),
        requirements: Requirement::ALL.iter().map(|r| (r.key(), r.label())).collect(),
        org_kinds: std::iter::once((String::new(), "（なし）".to_owned()))
            .chain(scheme.organisation_kinds.iter().map(|k| (k.clone(), k.clone())))
            .collect(),
        departments: std::iter::once((String::new(), "（未指定）".to_owned()))
            .chain(departments.iter().map(|d| (d.id.to_string(), d.name.clone())))
            .collect(),
        steps: PlanStep::ALL
            .iter()
            .map(|step| {
                let (who, optional) = match step {
                    PlanStep::Draft => ("一般職員など", true),
                    PlanStep::Review => ("課長補佐・係長級など", true),
                    PlanStep::Decide => ("課長級など", false),
                };
                (step.key(), step.label(), who, optional)
            })
            .collect(),
    }
}

pub async fn scheme_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    caller.require(Action::SchemeRead)?;
    let departments = kyodo_store::departments::all(&state.db, caller.municipality.id).await?;
    let form = FormState::new(values(&caller.municipality.scheme));
    Ok(pages::render(&view(
        &caller,
        form,
        q.notice.as_deref(),
        "",
        &departments,
    )))
}

pub async fn update_scheme_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::SchemeWrite)?;
    let departments = kyodo_store::departments::all(&state.db, caller.municipality.id).await?;
    // 「行を追加」 shows the form again with one more row; nothing is saved yet.
    if let Some(add) = form.0.get("_add").cloned() {
        return Ok(pages::render(&view(
            &caller,
            FormState::new(form.0),
            None,
            &add,
            &departments,
        )));
    }
    let parsed = parse(&form.0).and_then(|settings| match settings.disaster_prevention_department_id {
        Some(d) if !departments.iter().any(|x| x.id == d) => Err(FieldErrors::single(
            "disaster_department",
            "防災を担当する部署を一覧から選んでください",
        )),
        _ => Ok(settings),
    });
    let errors = match parsed {
        Ok(settings) => match kyodo_store::municipalities::update_scheme(&state.db, &caller.actor(), &settings).await {
            Ok(_) => return Ok(Redirect::to("/settings/scheme?notice=saved").into_response()),
            Err(kyodo_store::StoreError::Invalid(errors)) => errors,
            Err(e) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    let mut f = FormState::new(form.0);
    f.errors = errors;
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        pages::render(&view(&caller, f, None, "", &departments)),
    )
        .into_response())
}

/// The municipality's scheme settings.
#[utoipa::path(get, path = "/scheme", tag = "scheme", responses((status = 200, body = SchemeSettings)))]
pub async fn get_api(ApiCaller(caller): ApiCaller) -> ApiResult<Json<SchemeSettings>> {
    caller.require(Action::SchemeRead)?;
    Ok(Json(caller.municipality.scheme))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_survives_the_form() {
        for key in kyodo_core::scheme::PRESET_KEYS {
            let scheme = kyodo_core::scheme::preset(key).unwrap().scheme;
            assert_eq!(parse(&values(&scheme)).unwrap(), scheme, "{key}");
        }
    }

    #[test]
    fn a_new_row_gets_a_key_and_a_removed_row_goes() {
        let scheme = kyodo_core::scheme::preset("arao").unwrap().scheme;
        let mut form = values(&scheme);
        let n = scheme.grades.len();
        form.insert(format!("grade{n}_name"), "会計年度任用職員".into());
        form.insert("grade0_remove".into(), "true".into());
        let saved = parse(&form).unwrap();
        let keys: Vec<&str> = saved.grades.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(
            keys,
            ["manager", "chief", "staff", "grade1"],
            "director removed, the new one keyed"
        );
        form.insert("dl0_remove".into(), "true".into());
        let saved = parse(&form).unwrap();
        assert_eq!(
            saved.answer_deadlines.categories.len(),
            scheme.answer_deadlines.categories.len() - 1
        );
    }

    #[test]
    fn a_deadline_that_is_not_a_number_is_reported() {
        let scheme = kyodo_core::scheme::preset("arao").unwrap().scheme;
        let mut form = values(&scheme);
        form.insert("deadline_normal".into(), "一か月".into());
        assert!(parse(&form).unwrap_err().get("answer_deadlines").is_some());
        form.insert("deadline_normal".into(), "３０日".into());
        assert_eq!(parse(&form).unwrap().answer_deadlines.days, [14, 30, 60]);
    }

    #[test]
    fn a_bad_number_is_reported_not_dropped() {
        let scheme = kyodo_core::scheme::preset("arao").unwrap().scheme;
        let mut form = values(&scheme);
        form.insert("pos0_term".into(), "二年".into());
        let errors = parse(&form).unwrap_err();
        assert!(errors.get("positions").unwrap().contains("任期"));
    }
}
