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
use kyodo_core::permissions::Action;
use kyodo_core::scheme::{Grade, IssueStep, PlanStep, Position, PositionKind, SchemeSettings, StaffingRule};
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
    issue_fields: Vec<FieldSpec>,
    grade_rows: Vec<usize>,
    position_rows: Vec<usize>,
    kinds: Vec<(String, String)>,
    grades: Vec<(String, String)>,
}

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
    v.insert("alert_hours".into(), s.workload_alert.monthly_hours.to_string());
    v.insert(
        "alert_out_of_hours".into(),
        s.workload_alert.monthly_out_of_hours.to_string(),
    );
    issue_values(s, &mut v);
    v
}

/// The issue workflow's settings as form fields: the team's steps, answer
/// deadlines (高,中,低 days, and per-category lines), Open311.
fn issue_values(s: &SchemeSettings, v: &mut HashMap<String, String>) {
    for step in &s.issue_steps {
        v.insert(format!("step_{}", step.step.key()), "true".into());
        v.insert(format!("step_{}_positions", step.step.key()), step.positions.join(","));
    }
    let days = |d: &[u16; 3]| d.map(|n| n.to_string()).join(",");
    v.insert("deadline_days".into(), days(&s.answer_deadlines.days));
    let categories: Vec<String> = s
        .answer_deadlines
        .categories
        .iter()
        .map(|c| format!("{},{}", c.category, days(&c.days)))
        .collect();
    v.insert("deadline_categories".into(), categories.join("\n"));
    if s.open311_enabled {
        v.insert("open311_enabled".into(), "true".into());
    }
    let months: Vec<String> = s.progress_months.iter().map(u32::to_string).collect();
    v.insert("progress_months".into(), months.join(","));
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

fn parse_days(raw: &str) -> Option<[u16; 3]> {
    let parts: Vec<u16> = raw
        .split([',', '、'])
        .map(|p| kyodo_core::text::normalize_digits(p).parse::<u16>())
        .collect::<Result<_, _>>()
        .ok()?;
    parts.try_into().ok()
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
    let days = parse_days(&get("deadline_days")).unwrap_or_else(|| {
        errors.add(
            "deadline_days",
            "回答期限は「高,中,低」の日数を3つ、カンマで区切って入力してください",
        );
        AnswerDeadlines::default().days
    });
    let mut categories = Vec::new();
    for line in lines(&get_multiline(get, "deadline_categories")) {
        match line.split_once([',', '、']) {
            Some((category, rest)) if parse_days(rest).is_some() => categories.push(CategoryDeadline {
                category: category.trim().to_owned(),
                days: parse_days(rest).unwrap_or(days),
            }),
            _ => errors.add(
                "deadline_categories",
                format!("「{line}」は「分類,高,中,低」の形で入力してください（例: 防災,7,14,30）"),
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

/// `get` normalises each value to one line; the category lines need their breaks.
fn get_multiline(get: &dyn Fn(&str) -> String, key: &str) -> String {
    get(&format!("{key}__raw"))
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
    let get = |k: &str| match k.strip_suffix("__raw") {
        Some(raw) => form.get(raw).cloned().unwrap_or_default(),
        None => form
            .get(k)
            .map(|v| kyodo_core::text::normalize_input(v))
            .unwrap_or_default(),
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
    let grades: Vec<Grade> = (0..20)
        .filter_map(|i| {
            let key = get(&format!("grade{i}_key"));
            let name = get(&format!("grade{i}_name"));
            (!key.is_empty() || !name.is_empty()).then_some(Grade { key, name })
        })
        .collect();
    if grades.iter().any(|g| g.key.is_empty() || g.name.is_empty()) {
        errors.add("grades", "職位はキーと名称の両方を入力してください");
    }
    let mut positions = Vec::new();
    for i in 0..20 {
        let key = get(&format!("pos{i}_key"));
        let name = get(&format!("pos{i}_name"));
        if key.is_empty() && name.is_empty() {
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
            key: if key.is_empty() { format!("position{i}") } else { key },
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
    let settings = SchemeSettings {
        area_levels: list("area_levels"),
        liaison_level: get("liaison_level").parse().unwrap_or(0),
        grades,
        positions,
        staffing_rule,
        issue_categories: list("issue_categories"),
        duty_types: list("duty_types"),
        organisation_kinds: list("organisation_kinds"),
        lifecycle_stages: list("lifecycle_stages"),
        officer_roles: list("officer_roles"),
        coordinating_section: get("coordinating_section"),
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

fn view(caller: &Caller, form: FormState, notice: Option<&str>) -> SchemePage {
    let scheme = &caller.municipality.scheme;
    let level_options = scheme
        .area_levels
        .iter()
        .enumerate()
        .map(|(i, l)| (i.to_string(), l.clone()))
        .collect();
    let grade_rows = (0..scheme.grades.len() + 1).collect();
    let position_rows = (0..scheme.positions.len() + 1).collect();
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
    SchemePage {
        layout: Layout::new(caller, "制度設定", "/settings/scheme").with_notice(notice),
        editable: caller.can(Action::SchemeWrite),
        form,
        list_fields,
        rule_fields: vec![
            FieldSpec::text("rule_schools", "専任職員1人あたりの小学校区の数")
                .hint("熊本市のように、担当単位の小学校区の数で専任職員の人数を決めるときだけ入力します"),
            FieldSpec::text("rule_minimum", "1単位の最少人数（上の決まりを使うとき）"),
            FieldSpec::text("alert_hours", "負担の警告: 1か月の活動時間（時間）")
                .hint("1人の1か月の地域担当の活動がこの時間を超えると、負担の集計で警告します。例: 20"),
            FieldSpec::text("alert_out_of_hours", "負担の警告: 1か月の時間外（時間）").hint("例: 10"),
        ],
        issue_fields: vec![
            FieldSpec::text("step_draft_positions", "方針案を作成できる担当職のキー")
                .hint("カンマ区切り。空欄ならチームの誰でも作成できます"),
            FieldSpec::text("step_review_positions", "方針案を確認できる担当職のキー").hint("例: chief,manager"),
            FieldSpec::text("step_decide_positions", "対応方針を決定できる担当職のキー").hint("例: manager"),
            FieldSpec::text("deadline_days", "部署の回答期限（日数: 高,中,低）")
                .required()
                .hint("地区の優先度ごとの日数。例: 14,30,60"),
            FieldSpec::text("deadline_categories", "分類ごとの回答期限")
                .kind(FieldKind::Textarea)
                .hint("1行に「分類,高,中,低」。例: 防災,7,14,30"),
            FieldSpec::text("progress_months", "継続案件の進捗回答の月")
                .hint("カンマ区切り。例: 9,3（9月と3月）。空欄なら進捗回答を求めません"),
        ],
        grade_rows,
        position_rows,
        kinds: [
            PositionKind::TeamMember,
            PositionKind::FullTime,
            PositionKind::AreaSupporter,
        ]
        .into_iter()
        .map(|k| (kind_key(k).to_owned(), k.label().to_owned()))
        .collect(),
        grades: pages::options(&scheme.grades, |g| g.key.clone(), |g| g.name.clone()),
    }
}

pub async fn scheme_page(
    PageCaller(caller): PageCaller,
    PageQuery(q): PageQuery<crate::pages::NoticeQuery>,
) -> PageResult<Response> {
    caller.require(Action::SchemeRead)?;
    let form = FormState::new(values(&caller.municipality.scheme));
    Ok(pages::render(&view(&caller, form, q.notice.as_deref())))
}

pub async fn update_scheme_page(
    State(state): State<AppState>,
    PageCaller(caller): PageCaller,
    form: FormFields,
) -> PageResult<Response> {
    caller.check_csrf(form.csrf())?;
    caller.require(Action::SchemeWrite)?;
    let errors = match parse(&form.0) {
        Ok(settings) => match kyodo_store::municipalities::update_scheme(&state.db, &caller.actor(), &settings).await {
            Ok(_) => return Ok(Redirect::to("/settings/scheme?notice=saved").into_response()),
            Err(kyodo_store::StoreError::Invalid(errors)) => errors,
            Err(e) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    let mut f = FormState::new(form.0);
    f.errors = errors;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, pages::render(&view(&caller, f, None))).into_response())
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
    fn a_bad_number_is_reported_not_dropped() {
        let scheme = kyodo_core::scheme::preset("arao").unwrap().scheme;
        let mut form = values(&scheme);
        form.insert("pos0_term".into(), "二年".into());
        let errors = parse(&form).unwrap_err();
        assert!(errors.get("positions").unwrap().contains("任期"));
    }
}
