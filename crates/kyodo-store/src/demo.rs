//! Loads a preset's demo municipality: records through the same CSV import
//! staff will use, then officers, key people, appointments and one account
//! per role.

mod calendar;
mod cases;

use crate::Db;
use crate::audit::Actor;
use crate::error::{Result, StoreError};
use chrono::NaiveDate;
use kyodo_core::accounts::Role;
use kyodo_core::csv_import::{DataKind, write_table};
use kyodo_core::demo;
use kyodo_core::wareki::iso_date;

/// The password of every demo account (printed with the logins).
pub const DEMO_PASSWORD: &str = "kyodo-demo-2026";

pub struct DemoLogin {
    pub login: String,
    pub role: Role,
    pub who: String,
}

fn csv(kind: DataKind, rows: Vec<Vec<String>>) -> Vec<u8> {
    write_table(kind.columns(), rows).into_bytes()
}

/// Loads the demo for `key` unless its municipality is already there;
/// returns the logins, whose password hash is `password_hash`.
pub async fn load(db: &Db, key: &str, today: NaiveDate, password_hash: &str) -> Result<Vec<DemoLogin>> {
    let preset = kyodo_core::scheme::preset(key).ok_or_else(|| {
        StoreError::Refused(format!(
            "知らないプリセットです: {key}（使えるのは {}）",
            kyodo_core::scheme::PRESET_KEYS.join(", ")
        ))
    })?;
    let logins = |prefix: &str| -> Vec<DemoLogin> {
        [
            (Role::Admin, "admin", "システム管理者"),
            (Role::Coordinator, "coordinator", "制度所管課の職員"),
            (Role::Liaison, "liaison", "地域担当職員"),
            (Role::Department, "department", "土木課の職員"),
            (Role::Community, "community", "地区の団体の事務局"),
        ]
        .into_iter()
        .map(|(role, name, who)| DemoLogin {
            login: format!("{prefix}-{name}"),
            role,
            who: who.to_owned(),
        })
        .collect()
    };
    if crate::municipalities::by_code(db, preset.municipality_code)
        .await?
        .is_some()
    {
        return Ok(logins(key));
    }
    let muni =
        crate::municipalities::create(db, preset.municipality_code, preset.municipality_name, &preset.scheme).await?;
    let actor = Actor::command_line(muni.id);
    let data = demo::generate(&preset, today);
    let scheme = &muni.scheme;

    let areas = data
        .areas
        .iter()
        .map(|a| {
            vec![
                a.code.clone(),
                a.name.clone(),
                String::new(),
                a.parent_code.clone().unwrap_or_default(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    let departments = data
        .departments
        .iter()
        .map(|d| {
            vec![
                d.code.clone(),
                d.name.clone(),
                String::new(),
                d.parent_code.clone().unwrap_or_default(),
                String::new(),
            ]
        })
        .collect();
    let organisations = data
        .organisations
        .iter()
        .map(|o| {
            vec![
                o.code.clone(),
                o.name.clone(),
                String::new(),
                o.kind.clone(),
                o.area_code.clone(),
                o.stage.clone().unwrap_or_default(),
                String::new(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    let staff = data
        .staff
        .iter()
        .map(|s| {
            vec![
                s.employee_number.clone(),
                s.name.clone(),
                s.name_kana.clone(),
                s.department_code.clone(),
                s.grade.clone(),
                iso_date(Some(s.hire_date)),
                s.home_area_code.clone().unwrap_or_default(),
                String::new(),
            ]
        })
        .collect();
    for (kind, rows) in [
        (DataKind::Areas, areas),
        (DataKind::Departments, departments),
        (DataKind::Organisations, organisations),
        (DataKind::Staff, staff),
    ] {
        crate::data::import_csv(
            db,
            &actor,
            scheme,
            crate::data::ImportFile {
                kind,
                bytes: csv(kind, rows),
                dry_run: false,
            },
            today,
            Default::default(),
        )
        .await?;
    }

    let id_of = |rows: &[(String, i64)], code: &str| rows.iter().find(|(c, _)| c == code).map(|(_, id)| *id);
    let area_ids: Vec<(String, i64)> = crate::areas::all(db, muni.id, false)
        .await?
        .into_iter()
        .map(|a| (a.code, a.id))
        .collect();
    let org_ids: Vec<(String, i64)> = crate::organisations::all(db, muni.id)
        .await?
        .into_iter()
        .map(|o| (o.code, o.id))
        .collect();
    let dept_ids: Vec<(String, i64, String)> = crate::departments::all(db, muni.id)
        .await?
        .into_iter()
        .map(|d| (d.code, d.id, d.name))
        .collect();
    let staff_ids: Vec<(String, i64)> = crate::staff::export_rows(db, muni.id)
        .await?
        .into_iter()
        .map(|s| (s.staff.employee_number, s.staff.id))
        .collect();

    for o in &data.organisations {
        let Some(org_id) = id_of(&org_ids, &o.code) else {
            continue;
        };
        for (role, name) in &o.officers {
            let input = kyodo_core::organisations::OfficerInput {
                role: role.clone(),
                name: name.clone(),
                term_start: Some(kyodo_core::wareki::fiscal_year_start(
                    kyodo_core::wareki::fiscal_year(today) - 1,
                )),
                term_end: Some(kyodo_core::wareki::fiscal_year_end(kyodo_core::wareki::fiscal_year(
                    today,
                ))),
            };
            crate::organisations::add_officer(db, &actor, org_id, &input).await?;
        }
        for (name, title, phone) in &o.key_people {
            let input = kyodo_core::organisations::KeyPersonInput {
                name: name.clone(),
                name_kana: None,
                title: Some(title.clone()),
                phone: Some(phone.clone()),
                email: None,
                address: None,
                note: None,
            };
            crate::organisations::add_key_person(db, &actor, org_id, &input).await?;
        }
    }
    let mut serving: Vec<(i64, i64)> = Vec::new();
    for a in &data.appointments {
        if let (Some(staff_id), Some(area_id)) = (id_of(&staff_ids, &a.employee_number), id_of(&area_ids, &a.area_code))
        {
            if a.current {
                serving.push((staff_id, area_id));
            }
            let input = kyodo_core::appointments::AppointmentInput {
                staff_id,
                area_id,
                position_key: a.position_key.clone(),
                start_on: a.start,
                appointed_on: a.start,
                appointed_by: scheme.appointment_rules.appointer.clone(),
                note: None,
            };
            let appointment = crate::appointments::appoint(db, &actor, scheme, &input).await?;
            if let Some((ended_on, reason)) = a.ended {
                let end = kyodo_core::appointments::EndInput {
                    ended_on,
                    reason,
                    note: None,
                };
                crate::appointments::end_early(db, &actor, appointment.id, &end).await?;
            }
        }
    }

    load_issues(db, &muni, &data, today, &area_ids, &org_ids, &dept_ids).await?;
    load_team_work(db, &actor, scheme, today, &serving).await?;
    let orgs = crate::organisations::all(db, actor.municipality_id).await?;
    calendar::load(db, &actor, today, scheme.area_body_kind.as_deref(), &orgs).await?;
    calendar::publish_reports(db, &actor).await?;
    cases::load(db, &actor, today).await?;
    load_ways(db, &actor, scheme, &data.ways, &area_ids, &org_ids).await?;
    load_plans(db, &actor, scheme, &data.plans, &org_ids, &dept_ids).await?;
    load_grants(db, &actor, scheme, key, &data.areas, today).await?;

    let first_appointee = serving.first().map(|(staff, _)| *staff);
    settle_handovers(db, &actor, today, first_appointee).await?;
    let coordinating = dept_ids
        .iter()
        .find(|(_, _, n)| *n == scheme.coordinating_section)
        .map(|(_, id, _)| *id);
    let doboku = dept_ids.iter().find(|(_, _, n)| n == "土木課").map(|(_, id, _)| *id);
    let first_org = data.organisations.first().and_then(|o| id_of(&org_ids, &o.code));
    let accounts = logins(key);
    for l in &accounts {
        let (staff_id, department_id, organisation_id, display) = match l.role {
            Role::Admin => (None, None, None, "システム管理者（デモ）".to_owned()),
            Role::Coordinator => (
                None,
                coordinating,
                None,
                format!("{}（デモ）", scheme.coordinating_section),
            ),
            Role::Liaison => (first_appointee, None, None, "地域担当職員（デモ）".to_owned()),
            Role::Department => (None, doboku, None, "土木課（デモ）".to_owned()),
            Role::Community => (None, None, first_org, "地区協議会 事務局（デモ）".to_owned()),
        };
        // The demo's accounts come with its municipality: its initial setup,
        // not news for its coordinators (see `accounts::create_initial`).
        crate::accounts::create_initial(
            db,
            &actor,
            &crate::accounts::NewUser {
                login: l.login.clone(),
                display_name: display,
                role: l.role,
                staff_id,
                department_id: department_id.filter(|_| l.role == Role::Department),
                organisation_id,
                password_hash: password_hash.to_owned(),
            },
        )
        .await?;
    }
    load_evacuation_support(
        db,
        &actor,
        scheme,
        today,
        &dept_ids,
        first_org,
        &format!("{key}-community"),
    )
    .await?;
    // 土木課's stock answers, so that answering with a template shows in the demo.
    if let Some(department_id) = doboku {
        for (title, body) in DOBOKU_TEMPLATES {
            crate::issues::templates::create(
                db,
                &actor,
                &kyodo_core::issues::templates::TemplateInput {
                    department_id,
                    title: title.to_owned(),
                    body: body.to_owned(),
                },
            )
            .await?;
        }
    }
    Ok(accounts)
}

/// The register of the first body: 防災安全課 named for disaster prevention,
/// two invented residents, and the demo community account named its reader
/// as the body's first officer role (会長).
async fn load_evacuation_support(
    db: &Db,
    actor: &Actor,
    scheme: &kyodo_core::scheme::SchemeSettings,
    today: NaiveDate,
    dept_ids: &[(String, i64, String)],
    first_org: Option<i64>,
    community_login: &str,
) -> Result<()> {
    let Some(org) = first_org else {
        return Ok(());
    };
    let mut settings = scheme.clone();
    settings.disaster_prevention_department_id = dept_ids
        .iter()
        .find(|(_, _, n)| n == "防災安全課")
        .map(|(_, id, _)| *id);
    crate::municipalities::update_scheme(db, actor, &settings).await?;
    for r in kyodo_core::demo::supported_residents(today) {
        crate::evacuation_support::add(db, actor, org, &r).await?;
    }
    if let (Some(user), Some(role)) = (
        crate::accounts::by_login(db, community_login).await?,
        scheme.officer_roles.first(),
    ) {
        crate::evacuation_support::name_reader(db, actor, org, user.id, role, today).await?;
    }
    Ok(())
}

const DOBOKU_TEMPLATES: [(&str, &str); 2] = [
    (
        "現地確認のうえ補修します",
        "ご連絡ありがとうございます。現地を確認し、今年度中に補修を行います。工事の日程が決まりましたら、地域担当職員を通じてお知らせします。",
    ),
    (
        "次年度の予算で検討します",
        "ご要望の内容を確認しました。緊急性と他地区の要望を踏まえ、次年度の予算編成の中で検討します。結果は進捗回答でお知らせします。",
    ),
];

/// Replays each demo body's way through the real steps (records, area,
/// inventory, stage moves, recognition), so the demo obeys the rules it shows.
async fn load_ways(
    db: &Db,
    actor: &Actor,
    scheme: &kyodo_core::scheme::SchemeSettings,
    ways: &[kyodo_core::demo::DemoWay],
    area_ids: &[(String, i64)],
    org_ids: &[(String, i64)],
) -> Result<()> {
    use crate::organisations::{establishment, recognition};
    use kyodo_core::organisations::establishment::{ExistingGroupInput, RecordInput, StageMove};
    use kyodo_core::organisations::recognition::{RecognitionAction, RecognitionInput};
    use sea_query::ExprTrait;
    let id_of = |rows: &[(String, i64)], code: &str| rows.iter().find(|(c, _)| c == code).map(|(_, id)| *id);
    let actor = Actor {
        name: Some(format!("{}（デモ）", scheme.coordinating_section)),
        ..actor.clone()
    };
    for way in ways {
        let Some(org) = id_of(org_ids, &way.organisation_code) else {
            continue;
        };
        for (kind, held_on, note) in &way.records {
            let input = RecordInput {
                kind: *kind,
                held_on: *held_on,
                note: Some((*note).to_owned()),
            };
            establishment::add_record(db, &actor, org, &input).await?;
        }
        for code in &way.area_codes {
            if let Some(area) = id_of(area_ids, code) {
                establishment::add_area(db, &actor, org, area).await?;
            }
        }
        for g in &way.groups {
            let input = ExistingGroupInput {
                name: g.name.clone(),
                group_kind: Some(g.kind.to_owned()),
                role: Some(g.role.to_owned()),
                disposition: g.disposition,
                decided_on: g.decided_on,
                source_organisation_id: g.source_code.as_deref().and_then(|c| id_of(org_ids, c)),
                is_parent: g.is_parent,
            };
            establishment::add_group(db, &actor, org, &input).await?;
        }
        for (stage, on) in &way.stages {
            let to = StageMove {
                to: stage.clone(),
                reason: None,
            };
            establishment::move_stage(db, &actor, scheme, org, None, &to).await?;
            // The demo's history shows the day the move was made, not the day the demo was loaded.
            let at = on.and_hms_opt(10, 0, 0).unwrap_or_default().and_utc();
            db.execute(
                &sea_query::Query::update()
                    .table("stage_events")
                    .value("created_at", at)
                    .and_where(sea_query::Expr::col("organisation_id").eq(org))
                    .and_where(sea_query::Expr::col("to_stage").eq(stage.clone()))
                    .to_owned(),
            )
            .await?;
        }
        if let Some(on) = way.applied {
            // The application goes with its 規約, as a body's would, filed the day it was made.
            let file = crate::organisations::application_files::add(
                db,
                &actor,
                org,
                crate::organisations::application_files::NewFile {
                    kind: kyodo_core::organisations::application_files::DocumentKind::Bylaws,
                    filename: "規約（見本）.pdf".into(),
                    content_type: "application/pdf".into(),
                    content: kyodo_core::demo::sample_pdf(&[
                        "Kiyaku (sample) - kyodo demo",
                        "This stands in for the body's bylaws.",
                    ]),
                },
            )
            .await?;
            db.execute(
                &sea_query::Query::update()
                    .table("application_files")
                    .value("created_at", on.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc())
                    .and_where(sea_query::Expr::col("id").eq(file.id))
                    .to_owned(),
            )
            .await?;
        }
        let steps = [
            way.applied.map(|on| (RecognitionAction::Apply, Some(on), None)),
            way.granted
                .as_ref()
                .map(|(on, number)| (RecognitionAction::Grant, Some(*on), Some(number.clone()))),
        ];
        for (action, on, number) in steps.into_iter().flatten() {
            let input = RecognitionInput {
                action,
                on,
                number,
                comment: None,
            };
            recognition::act(db, &actor, scheme, org, &input).await?;
        }
    }
    Ok(())
}

/// The areas' figures for last year and this, and the preset's grant scheme
/// for both years, so that the simulation shows this year against last.
async fn load_grants(
    db: &Db,
    actor: &Actor,
    scheme: &kyodo_core::scheme::SchemeSettings,
    key: &str,
    areas: &[demo::DemoArea],
    today: NaiveDate,
) -> Result<()> {
    use kyodo_core::grants::schemes::GrantSchemeInput;
    let fy = kyodo_core::wareki::fiscal_year(today);
    let rows = demo::grants::area_figures(areas, fy, actor.municipality_id.unsigned_abs());
    crate::data::import_csv(
        db,
        actor,
        scheme,
        crate::data::ImportFile {
            kind: DataKind::AreaFigures,
            bytes: csv(DataKind::AreaFigures, rows),
            dry_run: false,
        },
        today,
        Default::default(),
    )
    .await?;
    let recipients: Vec<i64> = crate::grants::schemes::eligible(db, scheme, actor.municipality_id, fy)
        .await?
        .into_iter()
        .map(|(id, _, _)| id)
        .collect();
    let formula = demo::grants::formula(key, &recipients);
    // Niimi's first recognised body employs its office staff (事務局人件費の加算).
    let staffed: Vec<i64> = if key == "niimi" {
        recipients.iter().take(1).copied().collect()
    } else {
        Vec::new()
    };
    for (year, reference_date) in [fy - 1, fy].into_iter().zip(demo::grants::reference_dates(fy)) {
        let input = GrantSchemeInput {
            fiscal_year: year,
            name: demo::grants::scheme_name(key).to_owned(),
            reference_date,
            note: Some("デモ用の算定式です。金額・単価は仮の値で、市が設定します。".into()),
        };
        crate::grants::schemes::create(
            db,
            actor,
            crate::grants::schemes::SchemeContent {
                input: &input,
                formula: &formula,
                staffed: &staffed,
                rules: &kyodo_core::grants::rules::ProcedureRules::preset(year),
            },
        )
        .await?;
    }
    load_grant_years(db, actor, scheme, key, &recipients, fy, today).await
}

/// The grants' procedure as the city has walked it: in Niimi, two 認可
/// bodies' last year settled (one refunding, one carrying over) and this
/// year under way (an installment paid, a change pending); in Arao, this
/// year decided and its first installment paid.
async fn load_grant_years(
    db: &Db,
    actor: &Actor,
    scheme: &kyodo_core::scheme::SchemeSettings,
    key: &str,
    recipients: &[i64],
    fy: i32,
    today: NaiveDate,
) -> Result<()> {
    use kyodo_core::grants::grant::{ExpenseInput, StepInput};
    use kyodo_core::grants::procedure::GrantAction as A;
    let step = |action, on: NaiveDate, amount: Option<i64>, number: Option<String>, note: Option<&str>| {
        (
            StepInput {
                action,
                on: Some(on),
                amount,
                number,
                note: note.map(str::to_owned),
                due: None,
                budget: None,
            },
            on,
        )
    };
    let day = |year: i32, month: u32, d: u32| NaiveDate::from_ymd_opt(year, month, d).unwrap_or(today);
    let act = |grant: i64, (input, on): (StepInput, NaiveDate)| async move {
        let taken = crate::grants::procedure::Taken {
            on,
            expected: None,
            ceiling: None,
        };
        crate::grants::procedure::act(db, actor, scheme, grant, &input, taken).await
    };
    let bodies: Vec<i64> = recipients.iter().take(2).copied().collect();
    for (n, org) in bodies.iter().enumerate() {
        let n64 = i64::try_from(n).unwrap_or(0);
        let years: Vec<i32> = if key == "niimi" { vec![fy - 1, fy] } else { vec![fy] };
        for year in years {
            let Ok(grant) = crate::grants::procedure::open(db, actor, scheme, *org, year).await else {
                continue;
            };
            let id = grant.grant.id;
            let applied = act(id, step(A::Apply, day(year, 4, 10), None, None, None)).await?;
            let amount = applied.grant.requested.unwrap_or(0);
            let number = format!("{}第{}号", if key == "niimi" { "新協" } else { "荒協" }, 101 + n64);
            act(
                id,
                step(
                    A::Decide,
                    day(year, 4, 25),
                    Some(amount),
                    Some(number),
                    Some("年度計画に沿って事業を実施すること"),
                ),
            )
            .await?;
            let rules = kyodo_core::grants::rules::ProcedureRules::preset(year);
            let installments = rules.installments(amount);
            let past = year < fy;
            for (i, (month, part)) in installments.iter().enumerate() {
                if !past && i > 0 {
                    break;
                }
                let order = format!("支{}-{:03}", year, 10 * n64 + i64::try_from(i).unwrap_or(0) + 1);
                act(id, step(A::Pay, day(year, *month, 28), Some(*part), Some(order), None)).await?;
            }
            // Spending by the budget in force: last year most of it, this year a first part.
            let budget = crate::grants::procedure::plan_budget(db, actor.municipality_id, *org, year)
                .await?
                .map(|p| p.lines)
                .unwrap_or_default();
            let share = if past { [88, 97][n % 2] } else { 30 };
            let mut spent = 0;
            for (i, line) in budget.iter().enumerate() {
                let month = [5, 7, 9, 11, 1, 2][i % 6];
                let on = day(if month < 4 { year + 1 } else { year }, month, 15);
                if !past && on > today {
                    continue;
                }
                let amount = line.amount * share / 100;
                if amount == 0 {
                    continue;
                }
                spent += amount;
                let input = ExpenseInput {
                    spent_on: on,
                    project_id: Some(line.project_id),
                    item: line.item,
                    amount,
                    payee: ["みどり商店", "センター管理組合", "まちかど印刷", "あんしん保険代理店"][i % 4].to_owned(),
                    note: Some(format!("{}の{}", line.project, line.item.label())),
                };
                crate::grants::expenses::add(db, actor, id, &input, None).await?;
            }
            if past {
                act(
                    id,
                    step(
                        A::Report,
                        day(year + 1, 4, 15),
                        None,
                        None,
                        Some("年度計画の事業をおおむね計画どおり実施した。敬老会は参加者が増えた。"),
                    ),
                )
                .await?;
                let fixed = spent.min(amount);
                act(
                    id,
                    step(
                        A::Fix,
                        day(year + 1, 5, 10),
                        Some(fixed),
                        Some(format!("新協第{}号", 201 + n64)),
                        None,
                    ),
                )
                .await?;
                let owed = amount - fixed;
                if owed > 0 {
                    if n == 1 {
                        let carry = kyodo_core::grants::procedure::settle(fixed, amount, rules.carry_over_percent)
                            .may_carry_over;
                        act(
                            id,
                            step(
                                A::CarryOver,
                                day(year + 1, 5, 20),
                                Some(carry),
                                None,
                                Some("地域づくり基金に積み立て"),
                            ),
                        )
                        .await?;
                        if owed > carry {
                            act(
                                id,
                                step(A::Refund, day(year + 1, 5, 31), Some(owed - carry), None, None),
                            )
                            .await?;
                        }
                    } else {
                        act(
                            id,
                            step(
                                A::Refund,
                                day(year + 1, 5, 31),
                                Some(owed),
                                None,
                                Some("納付書により返還"),
                            ),
                        )
                        .await?;
                    }
                }
            } else if key == "niimi" && n == 1 {
                act(
                    id,
                    step(
                        A::Change,
                        day(year, 9, 1),
                        Some(amount),
                        None,
                        Some("敬老会を地区ごとの開催に変え、会場使用料を需用費から付け替える"),
                    ),
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Writes the demo's plans as a body would: the plan and its projects as a
/// draft, then adopted (so the projects are its first version, not a 変更).
async fn load_plans(
    db: &Db,
    actor: &Actor,
    scheme: &kyodo_core::scheme::SchemeSettings,
    plans: &[kyodo_core::demo::DemoPlan],
    org_ids: &[(String, i64)],
    dept_ids: &[(String, i64, String)],
) -> Result<()> {
    use kyodo_core::plans::projects::{Budget, ProjectInput};
    use kyodo_core::plans::{PlanInput, PlanText};
    let actor = Actor {
        name: Some("地域の団体 事務局（デモ）".into()),
        ..actor.clone()
    };
    let adopted_by = if scheme.recognition { "定期総会" } else { "総会" };
    for p in plans {
        let Some(org) = org_ids
            .iter()
            .find(|(c, _)| *c == p.organisation_code)
            .map(|(_, id)| *id)
        else {
            continue;
        };
        let mut input = PlanInput {
            organisation_id: org,
            kind: p.kind,
            title: p.title.clone(),
            first_year: p.first_year,
            last_year: p.last_year,
            text: PlanText {
                sections: p.sections.clone(),
                themes: p.themes.clone(),
                goals: p.goals.clone(),
                issue_ids: Vec::new(),
            },
            adopted_on: None,
            adopted_by: None,
            change_reason: None,
        };
        let plan = crate::plans::create(db, &actor, &input).await?;
        for x in &p.projects {
            let project = ProjectInput {
                name: x.name.to_owned(),
                theme: x.theme.map(str::to_owned),
                purpose: None,
                months: kyodo_core::plans::projects::parse_months(x.months).unwrap_or_default(),
                responsible: Some(x.responsible.to_owned()),
                budget: Budget(x.budget.clone()),
                status: x.status,
                outcome: x.outcome.map(str::to_owned),
                participants: x.participants,
                department_id: x
                    .department
                    .and_then(|name| dept_ids.iter().find(|(_, _, n)| n == name).map(|(_, id, _)| *id)),
                indicators: x.indicators.clone(),
                change_reason: None,
            };
            crate::plans::add_project(db, &actor, plan.plan.id, &project).await?;
        }
        if p.adopted_on.is_some() {
            input.adopted_on = p.adopted_on;
            input.adopted_by = Some(adopted_by.to_owned());
            crate::plans::update(db, &actor, plan.plan.id, None, &input).await?;
            // The bodies publish what their 総会 adopted, and its progress.
            crate::plans::set_public(db, &actor, plan.plan.id, true).await?;
        }
    }
    Ok(())
}

/// Drives each demo issue through the workflow to its target status, as
/// the people in the demo would have: the liaison team, then the departments.
async fn load_issues(
    db: &Db,
    muni: &kyodo_core::municipalities::Municipality,
    data: &demo::DemoData,
    today: NaiveDate,
    area_ids: &[(String, i64)],
    org_ids: &[(String, i64)],
    dept_ids: &[(String, i64, String)],
) -> Result<()> {
    use kyodo_core::issues::{AnswerInput, IssueInput, IssueStatus, ReportInput, ReportMethod, Source, Transition};
    let scheme = &muni.scheme;
    let team = Actor {
        name: Some("地域担当職員（デモ）".into()),
        ..Actor::command_line(muni.id)
    };
    let rank = |s: IssueStatus| IssueStatus::ALL.iter().position(|x| *x == s).unwrap_or(0);
    for d in demo::issues(data, today) {
        let Some(area_id) = area_ids.iter().find(|(c, _)| *c == d.area_code).map(|(_, id)| *id) else {
            continue;
        };
        let departments: Vec<(i64, String)> = d
            .departments
            .iter()
            .filter_map(|name| {
                dept_ids
                    .iter()
                    .find(|(_, _, n)| n == name)
                    .map(|(_, id, n)| (*id, n.clone()))
            })
            .collect();
        let input = IssueInput {
            kind: d.kind,
            title: d.title.to_owned(),
            body: d.body.to_owned(),
            category: d.category.to_owned(),
            area_id,
            organisation_id: d
                .organisation_code
                .as_ref()
                .and_then(|code| org_ids.iter().find(|(c, _)| c == code).map(|(_, id)| *id)),
            priority: d.priority,
            location: None,
            latitude: None,
            longitude: None,
            fiscal_year: kyodo_core::wareki::fiscal_year(d.received_on),
            source: Source::Meeting,
            source_note: Some("地区協議会 役員会".into()),
            received_on: d.received_on,
        };
        // Each step is dated as it would have happened, at 10:00 JST, a
        // minute apart on the same day so that the timeline keeps its order.
        let at = |day: NaiveDate, minute: i64| {
            let moment = day.min(today).and_hms_opt(1, 0, 0).unwrap_or_default().and_utc();
            moment + chrono::Duration::minutes(minute)
        };
        let mut row = crate::issues::create_at(db, &team, &input, at(d.received_on, 0)).await?;
        // Decisions were made a few days after intake, so older ones are overdue now.
        let decided_on = (d.received_on + chrono::Days::new(4)).min(today);
        let mut steps: Vec<(Actor, Transition)> = vec![(
            team.clone(),
            Transition::Sort {
                responsibility: d.responsibility,
                departments: departments.iter().map(|(id, _)| *id).collect(),
                other_body: d.other_body.map(str::to_owned),
                comment: None,
            },
        )];
        for step in &scheme.issue_steps {
            let text = format!("{}。{}", d.responsibility.label(), d.title);
            steps.push((
                team.clone(),
                match step.step {
                    kyodo_core::scheme::PlanStep::Draft => Transition::Draft { text },
                    kyodo_core::scheme::PlanStep::Review => Transition::Review { text, comment: None },
                    kyodo_core::scheme::PlanStep::Decide => Transition::Decide { text },
                },
            ));
        }
        for (id, name) in &departments {
            steps.push((
                Actor {
                    name: Some(format!("{name}（デモ）")),
                    ..Actor::command_line(muni.id)
                },
                Transition::Answer(AnswerInput {
                    department_id: Some(*id),
                    stance: d.stance,
                    answer_text: d.answer.to_owned(),
                    internal_note: None,
                    expected_on: (d.stance == kyodo_core::issues::Stance::WillAct)
                        .then(|| today + chrono::Days::new(40)),
                    reason: (d.stance == kyodo_core::issues::Stance::Difficult).then(|| "歩道の幅員不足".to_owned()),
                }),
            ));
        }
        steps.push((
            team.clone(),
            Transition::ReportBack(ReportInput {
                reported_on: today.min(decided_on + chrono::Days::new(20)),
                method: ReportMethod::OfficerMeeting,
                text: Some("役員会で回答を報告しました。".into()),
                continuing: d.continuing,
            }),
        ));
        steps.push((team.clone(), Transition::Close { reason: None }));
        // Departments take between three days and two weeks to answer.
        let answered_on = decided_on + chrono::Days::new(3 + row.issue.id.unsigned_abs() % 12);
        for (minute, (actor, t)) in (1..).zip(steps) {
            if rank(row.issue.status) >= rank(d.target) {
                break;
            }
            let day = match &t {
                Transition::Sort { .. } => d.received_on + chrono::Days::new(1),
                Transition::Draft { .. } => d.received_on + chrono::Days::new(2),
                Transition::Review { .. } => d.received_on + chrono::Days::new(3),
                Transition::Answer(_) => answered_on,
                Transition::ReportBack(r) => r.reported_on,
                Transition::Close { .. } => answered_on.max(decided_on + chrono::Days::new(21)),
                _ => decided_on,
            };
            let ctx = crate::issues::TransitionContext {
                steps: &scheme.issue_steps,
                deadlines: &scheme.answer_deadlines,
                today: decided_on,
                at: at(day, minute),
                caller_department: None,
                same_hands: false,
            };
            row = crate::issues::transition(db, &actor, row.issue.id, None, &t, &ctx).await?;
        }
    }
    Ok(())
}

/// This 年度's meetings and activity for every team serving today: a
/// board meeting a month, a workshop with its preparation and review, and
/// three entries a month per member; the second member carries too much
/// this month, so the workload page has an alert to show.
async fn load_team_work(
    db: &Db,
    actor: &Actor,
    scheme: &kyodo_core::scheme::SchemeSettings,
    today: NaiveDate,
    serving: &[(i64, i64)],
) -> Result<()> {
    use chrono::{Datelike, Duration};
    use kyodo_core::activities::{ActivityInput, Compensation};
    use kyodo_core::meetings::{MeetingInput, MeetingKind};

    let orgs = crate::organisations::all(db, actor.municipality_id).await?;
    let mut units: Vec<i64> = serving.iter().map(|(_, a)| *a).collect();
    units.sort_unstable();
    units.dedup();
    let fy_start = kyodo_core::wareki::fiscal_year_start(kyodo_core::wareki::fiscal_year(today));
    for unit in &units {
        let team: Vec<i64> = serving.iter().filter(|(_, a)| a == unit).map(|(s, _)| *s).collect();
        let org = orgs.iter().find(|o| o.area_id == Some(*unit)).map(|o| o.id);
        let meeting = |kind: MeetingKind, title: String, held_on: NaiveDate, main: Option<i64>| MeetingInput {
            area_id: *unit,
            organisation_id: org,
            kind,
            title,
            held_on,
            start_time: Some("19:00".into()),
            end_time: Some("20:30".into()),
            place: Some("地区公民館".into()),
            public: kind == MeetingKind::Workshop,
            observers_allowed: kind != MeetingKind::Preparation,
            staff_ids: team.clone(),
            minutes: Some("前回の議事録の確認。夏祭りの準備状況。防犯灯の要望を市に伝えることになった。".into()),
            main_meeting_id: main,
        };
        for back in 1..=3 {
            let held_on = today - Duration::days(30 * back);
            let title = format!("{}月の役員会", held_on.month());
            crate::meetings::create(db, actor, &meeting(MeetingKind::Board, title, held_on, None)).await?;
        }
        let workshop = crate::meetings::create(
            db,
            actor,
            &meeting(
                MeetingKind::Workshop,
                "地域の将来を考えるワークショップ".into(),
                today - Duration::days(20),
                None,
            ),
        )
        .await?;
        for (kind, days, title) in [
            (MeetingKind::Preparation, 34, "ワークショップ事前打合せ（1回目）"),
            (MeetingKind::Preparation, 27, "ワークショップ事前打合せ（2回目）"),
            (MeetingKind::Review, 13, "ワークショップの振り返り"),
        ] {
            let input = meeting(kind, title.into(), today - Duration::days(days), Some(workshop.id));
            crate::meetings::create(db, actor, &input).await?;
        }
    }
    let duty = &scheme.duty_types;
    for (k, (staff, area)) in serving.iter().enumerate() {
        let mut month = fy_start;
        while month <= today {
            for (j, day) in [5u32, 12, 20].into_iter().enumerate() {
                let Some(done_on) = month.with_day(day).filter(|d| *d <= today) else {
                    continue;
                };
                let evening = j == 2;
                let input = ActivityInput {
                    done_on,
                    area_id: *area,
                    duty_type: duty[(k + j) % duty.len()].clone(),
                    minutes: 60 + 30 * ((k + j + month.month() as usize) % 4) as i64,
                    out_of_hours: evening,
                    compensation: evening.then_some(if k % 2 == 0 {
                        Compensation::TimeOff
                    } else {
                        Compensation::Allowance
                    }),
                    official_car: j == 1,
                    meeting_id: None,
                    issue_id: None,
                    note: None,
                };
                crate::activities::create(db, actor, *staff, &input).await?;
            }
            let Some(next) = month.checked_add_months(chrono::Months::new(1)) else {
                break;
            };
            month = next;
        }
        if k == 1 {
            for back in 0..8 {
                let input = ActivityInput {
                    done_on: std::cmp::min(today.with_day(1).unwrap_or(today) + Duration::days(back * 3), today),
                    area_id: *area,
                    duty_type: duty[0].clone(),
                    minutes: 180,
                    out_of_hours: true,
                    compensation: Some(Compensation::Allowance),
                    official_car: false,
                    meeting_id: None,
                    issue_id: None,
                    note: Some("イベント準備".into()),
                };
                crate::activities::create(db, actor, *staff, &input).await?;
            }
        }
    }
    Ok(())
}

/// Past handovers were completed at the time; the demo liaison's own is
/// under way, with its first two introductions done.
async fn settle_handovers(db: &Db, actor: &Actor, today: NaiveDate, liaison: Option<i64>) -> Result<()> {
    use kyodo_core::handovers::Party;
    let muni = actor.municipality_id;
    for h in crate::handovers::list(db, muni, crate::handovers::Reach::All, true).await? {
        let ours = liaison.is_some_and(|l| h.party_of(Some(l)).is_some());
        let done_on = std::cmp::min(h.successor_first_day, today);
        let checklist = crate::handovers::checklist_of(db, muni, &h).await?;
        let items = if ours {
            &checklist[..2.min(checklist.len())]
        } else {
            &checklist[..]
        };
        for i in items {
            crate::handovers::tick(db, actor, h.id, i.kind, i.ref_id, done_on, None).await?;
        }
        if !ours {
            for party in [Party::Predecessor, Party::Successor] {
                crate::handovers::sign(db, actor, h.id, party).await?;
            }
        }
    }
    Ok(())
}
