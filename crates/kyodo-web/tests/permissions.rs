//! Walks the permission table: every role (and the anonymous public)
//! against every route, expecting exactly what the table says.

mod common;

use common::TestApp;
use kyodo_core::accounts::Role;
use kyodo_core::permissions::{Action, Scope, scope};

#[derive(Clone, Copy)]
enum Via {
    Page,
    Api,
}

struct Case {
    method: &'static str,
    path: String,
    action: Action,
    via: Via,
    /// Form fields or JSON members sent with a POST or PATCH.
    fields: Vec<(&'static str, String)>,
}

fn case(method: &'static str, path: impl Into<String>, action: Action, via: Via) -> Case {
    Case {
        method,
        path: path.into(),
        action,
        via,
        fields: Vec::new(),
    }
}

impl Case {
    fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }
}

/// An issue every "own" role reaches: in the demo liaison's district, from
/// the demo community's organisation, routed to the demo department (土木課).
async fn routed_issue(app: &TestApp, muni: i64, area: i64, org: i64) -> i64 {
    use kyodo_core::issues::{IssueInput, IssueKind, Priority, Responsibility, Source, Transition};
    let actor = kyodo_store::audit::Actor::command_line(muni);
    let doboku = kyodo_store::departments::all(&app.db, muni)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.name == "土木課")
        .unwrap()
        .id;
    let input = IssueInput {
        kind: IssueKind::Request,
        title: "市道の陥没".into(),
        body: "雨のたびに水たまり".into(),
        category: "道路".into(),
        area_id: area,
        organisation_id: Some(org),
        priority: Priority::Normal,
        location: None,
        latitude: None,
        longitude: None,
        fiscal_year: 2026,
        source: Source::Meeting,
        source_note: None,
        received_on: common::today(),
    };
    let id = kyodo_store::issues::create(&app.db, &actor, &input)
        .await
        .unwrap()
        .issue
        .id;
    let scheme = app.municipality("432041").await.scheme;
    let ctx = kyodo_store::issues::TransitionContext {
        steps: &scheme.issue_steps,
        deadlines: &scheme.answer_deadlines,
        today: common::today(),
        at: chrono::Utc::now(),
        caller_department: None,
        same_hands: false,
    };
    let text = || "土木課で補修".to_owned();
    for t in [
        Transition::Sort {
            responsibility: Responsibility::City,
            departments: vec![doboku],
            other_body: None,
            comment: None,
        },
        Transition::Draft { text: text() },
        Transition::Review {
            text: text(),
            comment: None,
        },
        Transition::Decide { text: text() },
    ] {
        kyodo_store::issues::transition(&app.db, &actor, id, None, &t, &ctx)
            .await
            .unwrap();
    }
    id
}

#[tokio::test]
async fn every_role_gets_exactly_what_the_table_allows_on_every_route() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    // O001 lies in the district the demo liaison serves and is the demo community's own.
    let a = app.id_of(muni, "areas", "A01").await;
    let d = app.id_of(muni, "departments", "D0101").await;
    let o = app.id_of(muni, "organisations", "O001").await;
    let s = app.id_of(muni, "staff", "43001").await;
    let kp = kyodo_store::organisations::key_people(&app.db, &kyodo_store::audit::Actor::command_line(muni), o)
        .await
        .expect("key people")[0]
        .id;
    let i = routed_issue(&app, muni, a, o).await;
    // The register of residents needing support: the demo names the demo
    // community account its reader; for the walk, the demo department
    // (土木課) is named for disaster prevention, so that each role's "own"
    // is within reach.
    let cli = kyodo_store::audit::Actor::command_line(muni);
    let mut scheme = app.municipality("432041").await.scheme;
    scheme.disaster_prevention_department_id = kyodo_store::accounts::by_login(&app.db, "arao-department")
        .await
        .unwrap()
        .unwrap()
        .department_id;
    kyodo_store::municipalities::update_scheme(&app.db, &cli, &scheme)
        .await
        .unwrap();
    let r = kyodo_store::evacuation_support::residents(&app.db, &cli, o)
        .await
        .expect("residents")[0]
        .id;
    // The demo's annual plan of O001 and one of its projects.
    let plan = kyodo_store::plans::list(
        &app.db,
        muni,
        &kyodo_store::plans::PlanReach::Bodies(kyodo_store::organisations::Visible::Only(o)),
        &kyodo_store::plans::PlanFilter {
            kind: Some(kyodo_core::plans::PlanKind::Annual),
            ..Default::default()
        },
        1,
    )
    .await
    .expect("plans")[0]
        .plan
        .id;
    let project = kyodo_store::plans::projects(&app.db, muni, plan)
        .await
        .expect("projects")[0]
        .id;
    let gs = kyodo_store::grants::schemes::list(&app.db, muni)
        .await
        .expect("grant schemes")[0]
        .id;
    // The demo's grant of O001 this 年度.
    let g = kyodo_store::grants::procedure::for_organisation(&app.db, muni, o)
        .await
        .expect("grants")[0]
        .grant
        .id;
    let fy = kyodo_core::wareki::fiscal_year(common::today()).to_string();
    let p = kyodo_store::appointments::list(&app.db, muni, &Default::default(), common::today())
        .await
        .expect("appointments")[0]
        .id;
    // A meeting of the demo community's organisation in the demo liaison's
    // district; an entry of the demo liaison's; the handover the demo
    // liaison receives.
    let liaison_staff = kyodo_store::accounts::by_login(&app.db, "arao-liaison")
        .await
        .unwrap()
        .unwrap()
        .staff_id
        .unwrap();
    let m = kyodo_store::meetings::list(
        &app.db,
        muni,
        &kyodo_store::meetings::Reach::Organisation(o),
        &Default::default(),
    )
    .await
    .unwrap()[0]
        .id;
    let act = kyodo_store::activities::list(
        &app.db,
        muni,
        &kyodo_store::activities::Reach::Own {
            staff_id: Some(liaison_staff),
            led_areas: Vec::new(),
        },
        &Default::default(),
    )
    .await
    .unwrap()[0]
        .id;
    let h = kyodo_store::handovers::list(
        &app.db,
        muni,
        kyodo_store::handovers::Reach::Party(Some(liaison_staff)),
        true,
    )
    .await
    .unwrap()[0]
        .id;
    // A rotation proposal, two years long so that planning it is quick.
    let scheme = app.municipality("432041").await.scheme;
    let instance = kyodo_store::rotation::live_instance(&app.db, muni, &scheme, 2027, 2)
        .await
        .unwrap();
    let outcome = kyodo_planner::plan(&instance, &Default::default()).unwrap();
    let rp = kyodo_store::rotation::save(
        &app.db,
        &kyodo_store::audit::Actor::command_line(muni),
        &kyodo_store::rotation::NewPlan {
            based_on_id: None,
            first_year: 2027,
            horizon: 2,
            adjustments: &Default::default(),
            outcome: &outcome,
        },
    )
    .await
    .unwrap();
    // An event O001 entered itself (not one a meeting announced).
    let ev = kyodo_store::events::list(
        &app.db,
        muni,
        &kyodo_store::events::Reach::Organisation(o),
        &Default::default(),
    )
    .await
    .unwrap()
    .into_iter()
    .find(|e| e.meeting_id.is_none())
    .expect("a demo event of O001")
    .id;
    // A demo case study (published; the first is shared).
    let cs = kyodo_store::case_studies::list(
        &app.db,
        muni,
        &kyodo_store::case_studies::CaseFilter {
            limit: 1,
            ..Default::default()
        },
    )
    .await
    .unwrap()[0]
        .id;
    // O001's own 年間行事カレンダー: the body's, and its district's liaison's.
    let annual = kyodo_store::events::annual::create(
        &app.db,
        &kyodo_store::audit::Actor::command_line(muni),
        &kyodo_core::events::annual::AnnualCalendarInput {
            area_id: None,
            organisation_id: Some(o),
            fiscal_year: 2027,
            title: None,
            entry_deadline: None,
            contact_points: None,
        },
    )
    .await
    .unwrap()
    .id;
    use Action::*;
    use Via::*;
    let cases = vec![
        case("GET", "/events/annual", EventRead, Page),
        case("POST", format!("/plans/{plan}/publication"), PlanWrite, Page),
        case("POST", format!("/api/v1/plans/{plan}/publication"), PlanWrite, Api),
        case("GET", format!("/events/annual/{annual}"), EventRead, Page),
        case("GET", format!("/events/annual/{annual}/print"), EventRead, Page),
        case("GET", "/events/annual/new", EventWrite, Page),
        case("POST", "/events/annual", EventWrite, Page),
        case("GET", format!("/events/annual/{annual}/edit"), EventWrite, Page),
        case("POST", format!("/events/annual/{annual}"), EventWrite, Page).with("version", "1"),
        case("POST", format!("/events/annual/{annual}/adverts"), EventWrite, Page),
        case(
            "POST",
            format!("/events/annual/{annual}/adverts/999999/delete"),
            EventWrite,
            Page,
        ),
        case("POST", format!("/events/annual/{annual}/publish"), EventWrite, Page),
        case("GET", "/case-studies", CaseStudyRead, Page),
        case("GET", "/case-studies?library=shared", CaseStudyRead, Page),
        case("GET", format!("/case-studies/{cs}"), CaseStudyRead, Page),
        case("GET", "/case-studies/new", CaseStudyWrite, Page),
        case("POST", "/case-studies", CaseStudyWrite, Page),
        case("GET", format!("/case-studies/{cs}/edit"), CaseStudyWrite, Page),
        case("POST", format!("/case-studies/{cs}"), CaseStudyWrite, Page).with("version", "1"),
        case("POST", format!("/case-studies/{cs}/share"), CaseStudyWrite, Page),
        case("POST", format!("/case-studies/{cs}/unshare"), CaseStudyWrite, Page),
        case("GET", "/api/v1/case-studies", CaseStudyRead, Api),
        case("GET", format!("/api/v1/case-studies/{cs}"), CaseStudyRead, Api),
        case("POST", "/api/v1/case-studies", CaseStudyWrite, Api),
        case("PATCH", format!("/api/v1/case-studies/{cs}"), CaseStudyWrite, Api),
        case("POST", format!("/api/v1/case-studies/{cs}/share"), CaseStudyWrite, Api),
        case("GET", format!("/case-studies/{cs}/photos/999999"), CaseStudyRead, Page),
        case(
            "POST",
            format!("/case-studies/{cs}/photos/from/999999"),
            CaseStudyWrite,
            Page,
        ),
        case(
            "POST",
            format!("/case-studies/{cs}/photos/999999/delete"),
            CaseStudyWrite,
            Page,
        ),
        case("GET", format!("/api/v1/case-studies/{cs}/photos"), CaseStudyRead, Api),
        case("POST", format!("/api/v1/case-studies/{cs}/photos"), CaseStudyWrite, Api).with("attachment_id", "999999"),
        case(
            "DELETE",
            format!("/api/v1/case-studies/{cs}/photos/999999"),
            CaseStudyWrite,
            Api,
        ),
        case("GET", "/events", EventRead, Page),
        case("GET", format!("/events/{ev}"), EventRead, Page),
        case("GET", "/events/new", EventWrite, Page),
        case("POST", "/events", EventWrite, Page),
        case("GET", format!("/events/{ev}/edit"), EventWrite, Page),
        case("POST", format!("/events/{ev}"), EventWrite, Page).with("version", "1"),
        case("GET", "/api/v1/events", EventRead, Api),
        case("POST", "/api/v1/events", EventWrite, Api),
        case("GET", format!("/api/v1/events/{ev}"), EventRead, Api),
        case("PATCH", format!("/api/v1/events/{ev}"), EventWrite, Api),
        case("POST", format!("/issues/{i}/publication"), IssueReportBack, Page).with("public", "true"),
        case("POST", format!("/api/v1/issues/{i}/publication"), IssueReportBack, Api),
        case("GET", "/meetings", MeetingRead, Page),
        case("GET", format!("/meetings/{m}"), MeetingRead, Page),
        case("GET", "/meetings/new", MeetingWrite, Page),
        case("POST", "/meetings", MeetingWrite, Page),
        case("GET", format!("/meetings/{m}/edit"), MeetingWrite, Page),
        case("POST", format!("/meetings/{m}"), MeetingWrite, Page).with("version", "1"),
        case("POST", format!("/meetings/{m}/issues"), MeetingWrite, Page),
        case("GET", "/api/v1/meetings", MeetingRead, Api),
        case("GET", format!("/api/v1/meetings/{m}"), MeetingRead, Api),
        case("POST", "/api/v1/meetings", MeetingWrite, Api),
        case("PATCH", format!("/api/v1/meetings/{m}"), MeetingWrite, Api),
        case("POST", format!("/api/v1/meetings/{m}/issues"), MeetingWrite, Api),
        case("GET", "/activities", ActivityRead, Page),
        case("GET", "/activities/new", ActivityWrite, Page),
        case("POST", "/activities", ActivityWrite, Page),
        case("GET", format!("/activities/{act}/edit"), ActivityWrite, Page),
        case("POST", format!("/activities/{act}"), ActivityWrite, Page).with("version", "1"),
        case("POST", "/activities/999999/delete", ActivityWrite, Page),
        case("GET", "/api/v1/activities", ActivityRead, Api),
        case("GET", format!("/api/v1/activities/{act}"), ActivityRead, Api),
        case("POST", "/api/v1/activities", ActivityWrite, Api),
        case("PATCH", format!("/api/v1/activities/{act}"), ActivityWrite, Api),
        case("GET", "/workload", WorkloadRead, Page),
        case("GET", "/workload/export.xlsx", WorkloadRead, Page),
        case("GET", "/workload/report", WorkloadRead, Page),
        case("GET", "/workload/report.xlsx", WorkloadRead, Page),
        case("GET", format!("/workload/staff/{liaison_staff}"), WorkloadRead, Page),
        case(
            "GET",
            format!("/workload/staff/{liaison_staff}/export.xlsx"),
            WorkloadRead,
            Page,
        ),
        case("GET", "/handovers", HandoverRead, Page),
        case("GET", format!("/handovers/{h}"), HandoverRead, Page),
        case("POST", format!("/handovers/{h}/tick"), HandoverWrite, Page).with("kind", "meeting"),
        case("POST", format!("/handovers/{h}/untick"), HandoverWrite, Page).with("kind", "meeting"),
        case("POST", format!("/handovers/{h}/sign"), HandoverWrite, Page),
        case("POST", format!("/handovers/{h}/note"), HandoverWrite, Page),
        case("GET", "/api/v1/handovers", HandoverRead, Api),
        case("GET", format!("/api/v1/handovers/{h}"), HandoverRead, Api),
        case("POST", format!("/api/v1/handovers/{h}/tick"), HandoverWrite, Api).with("kind", "meeting"),
        case("POST", format!("/api/v1/handovers/{h}/sign"), HandoverWrite, Api),
        case("GET", "/issues", IssueRead, Page),
        case("GET", format!("/issues/{i}"), IssueRead, Page),
        case("GET", "/issues/new", IssueCreate, Page),
        case("GET", "/issues/export.csv", IssueRead, Page),
        case("GET", "/api/v1/issues/export", IssueRead, Api),
        case("GET", "/issues/export.xlsx", IssueRead, Page),
        case("GET", "/issues/dashboard", IssueInternalRead, Page),
        case("GET", "/issues/progress-report", IssueInternalRead, Page),
        case("GET", "/settings/mail", MailSettingsWrite, Page),
        case("POST", "/settings/mail", MailSettingsWrite, Page),
        case("POST", "/account/email", OwnAccount, Page),
        case("GET", "/settings/answer-templates", AnswerTemplateWrite, Page),
        case("POST", "/settings/answer-templates", AnswerTemplateWrite, Page),
        case("GET", "/api/v1/answer-templates", AnswerTemplateWrite, Api),
        case("POST", "/api/v1/answer-templates", AnswerTemplateWrite, Api),
        case("POST", format!("/issues/{i}/files"), IssueAttach, Page),
        case("POST", format!("/api/v1/issues/{i}/files"), IssueAttach, Api),
        case("GET", format!("/api/v1/issues/{i}/files"), IssueRead, Api),
        case("POST", format!("/issues/{i}/files/999999/delete"), IssueEdit, Page),
        case("GET", "/issues/dashboard.xlsx", IssueInternalRead, Page),
        case("GET", "/api/v1/issues/dashboard", IssueInternalRead, Api),
        case("POST", "/issues", IssueCreate, Page),
        case("GET", format!("/issues/{i}/edit"), IssueEdit, Page),
        case("POST", format!("/issues/{i}"), IssueEdit, Page).with("version", "1"),
        // Each action with an empty form: refused (403) or told what is missing (422).
        case("POST", format!("/issues/{i}/transitions"), IssueSort, Page).with("action", "sort"),
        case("POST", format!("/issues/{i}/transitions"), IssuePlan, Page).with("action", "draft"),
        case("POST", format!("/issues/{i}/transitions"), IssueAnswer, Page).with("action", "answer"),
        case("POST", format!("/issues/{i}/transitions"), IssueReroute, Page).with("action", "reroute"),
        case("POST", format!("/issues/{i}/transitions"), IssueReportBack, Page).with("action", "reopen"),
        case("POST", format!("/issues/{i}/transitions"), IssueReflect, Page).with("action", "reflect"),
        case("GET", "/api/v1/issues", IssueRead, Api),
        case("GET", format!("/api/v1/issues/{i}"), IssueRead, Api),
        case("GET", format!("/api/v1/issues/{i}/history"), IssueRead, Api),
        case("GET", "/api/v1/issues/similar?text=%E9%81%93%E8%B7%AF", IssueRead, Api),
        case("POST", "/api/v1/issues", IssueCreate, Api),
        case("PATCH", format!("/api/v1/issues/{i}"), IssueEdit, Api),
        case("POST", format!("/api/v1/issues/{i}/transitions"), IssueSort, Api).with("action", "sort"),
        case("POST", format!("/api/v1/issues/{i}/transitions"), IssuePlan, Api).with("action", "decide"),
        case("POST", format!("/api/v1/issues/{i}/transitions"), IssueAnswer, Api).with("action", "answer"),
        case("POST", format!("/api/v1/issues/{i}/transitions"), IssueReroute, Api).with("action", "reroute"),
        case("POST", format!("/api/v1/issues/{i}/transitions"), IssueReportBack, Api).with("action", "report_back"),
        case("POST", format!("/api/v1/issues/{i}/transitions"), IssueReflect, Api).with("action", "reflect"),
        case("GET", "/appointments", AppointmentRead, Page),
        case("GET", format!("/appointments/{p}"), AppointmentRead, Page),
        case("GET", format!("/areas/{a}/team"), AppointmentRead, Page),
        case("GET", "/appointments/roster.csv", AppointmentRead, Page),
        case("GET", "/appointments/roster.xlsx", AppointmentRead, Page),
        case("GET", "/appointments/new", AppointmentWrite, Page),
        case("POST", "/appointments", AppointmentWrite, Page),
        case("POST", format!("/appointments/{p}/end"), AppointmentWrite, Page),
        case("GET", "/appointments/next-april", AppointmentWrite, Page),
        case("GET", "/appointments/coverage", AppointmentWrite, Page),
        case("GET", "/rotation", AppointmentWrite, Page),
        case("POST", "/rotation", AppointmentWrite, Page).with("years", "2"),
        case("GET", format!("/rotation/{rp}"), AppointmentWrite, Page),
        case("POST", format!("/rotation/{rp}/replan"), AppointmentWrite, Page),
        case("POST", format!("/rotation/{rp}/approve"), AppointmentWrite, Page),
        case("GET", "/api/v1/rotation-plans", AppointmentWrite, Api),
        case("POST", "/api/v1/rotation-plans", AppointmentWrite, Api).with("years", "2"),
        case("GET", format!("/api/v1/rotation-plans/{rp}"), AppointmentWrite, Api),
        case(
            "POST",
            format!("/api/v1/rotation-plans/{rp}/approve"),
            AppointmentWrite,
            Api,
        ),
        case("GET", "/api/v1/appointments", AppointmentRead, Api),
        case("GET", format!("/api/v1/appointments/{p}"), AppointmentRead, Api),
        case("POST", "/api/v1/appointments", AppointmentWrite, Api),
        case("POST", format!("/api/v1/appointments/{p}/end"), AppointmentWrite, Api),
        case("GET", "/areas", AreaRead, Page),
        case("GET", format!("/areas/{a}"), AreaRead, Page),
        case("GET", "/areas/tree", AreaRead, Page),
        case("GET", "/areas/new", AreaWrite, Page),
        case("GET", format!("/areas/{a}/edit"), AreaWrite, Page),
        case("POST", "/areas", AreaWrite, Page),
        case("POST", format!("/areas/{a}"), AreaWrite, Page),
        case("POST", format!("/areas/{a}/figures"), AreaWrite, Page),
        case("POST", format!("/areas/{a}/archive"), AreaWrite, Page),
        case("POST", format!("/areas/{a}/restore"), AreaWrite, Page),
        case("GET", "/departments", DepartmentRead, Page),
        case("GET", format!("/departments/{d}"), DepartmentRead, Page),
        case("GET", "/departments/tree", DepartmentRead, Page),
        case("GET", "/departments/new", DepartmentWrite, Page),
        case("POST", "/departments", DepartmentWrite, Page),
        case("GET", "/organisations", OrganisationRead, Page),
        case("GET", format!("/organisations/{o}"), OrganisationRead, Page),
        case("GET", "/organisations/new", OrganisationWrite, Page),
        case("GET", format!("/organisations/{o}/edit"), OrganisationWrite, Page),
        case("POST", "/organisations", OrganisationWrite, Page),
        case("POST", format!("/organisations/{o}/officers"), OfficerWrite, Page),
        case("POST", format!("/organisations/{o}/key-people"), KeyPersonWrite, Page),
        case(
            "GET",
            format!("/organisations/{o}/key-people/{kp}/edit"),
            KeyPersonWrite,
            Page,
        ),
        case(
            "POST",
            format!("/organisations/{o}/key-people/{kp}"),
            KeyPersonWrite,
            Page,
        ),
        case(
            "POST",
            format!("/organisations/{o}/key-people/999999/delete"),
            KeyPersonWrite,
            Page,
        ),
        case(
            "POST",
            format!("/organisations/{o}/officers/999999/delete"),
            OfficerWrite,
            Page,
        ),
        case("POST", format!("/organisations/{o}/stage"), EstablishmentWrite, Page),
        case("POST", format!("/organisations/{o}/records"), EstablishmentWrite, Page),
        case("POST", format!("/organisations/{o}/areas"), EstablishmentWrite, Page),
        case("POST", format!("/organisations/{o}/groups"), EstablishmentWrite, Page),
        case(
            "POST",
            format!("/organisations/{o}/groups/999999/delete"),
            EstablishmentWrite,
            Page,
        ),
        case(
            "POST",
            format!("/organisations/{o}/recognition"),
            RecognitionApply,
            Page,
        )
        .with("action", "apply"),
        case(
            "POST",
            format!("/organisations/{o}/recognition"),
            RecognitionDecide,
            Page,
        )
        .with("action", "grant"),
        case(
            "POST",
            format!("/organisations/{o}/recognition/files"),
            RecognitionApply,
            Page,
        ),
        case(
            "GET",
            format!("/organisations/{o}/recognition/files/999999"),
            RecognitionApply,
            Page,
        ),
        case(
            "POST",
            format!("/organisations/{o}/recognition/files/999999/delete"),
            RecognitionApply,
            Page,
        ),
        case("GET", "/grants", GrantSchemeRead, Page),
        case("POST", "/grants/schemes", GrantSchemeWrite, Page),
        case("GET", format!("/grants/schemes/{gs}"), GrantSchemeRead, Page),
        case("POST", format!("/grants/schemes/{gs}"), GrantSchemeWrite, Page),
        case("POST", format!("/grants/schemes/{gs}/simulate"), GrantSchemeWrite, Page),
        case(
            "GET",
            format!("/grants/schemes/{gs}/calculation.xlsx"),
            GrantSchemeRead,
            Page,
        ),
        case("GET", "/api/v1/grant-schemes", GrantSchemeRead, Api),
        case("POST", "/api/v1/grant-schemes", GrantSchemeWrite, Api),
        case("GET", format!("/api/v1/grant-schemes/{gs}"), GrantSchemeRead, Api),
        case("PATCH", format!("/api/v1/grant-schemes/{gs}"), GrantSchemeWrite, Api),
        case(
            "POST",
            format!("/api/v1/grant-schemes/{gs}/simulate"),
            GrantSchemeRead,
            Api,
        ),
        case("GET", "/grants/overview", GrantRead, Page),
        case("GET", "/grants/overview.xlsx", GrantRead, Page),
        case("GET", "/grants/payments.csv", GrantDecide, Page),
        case("POST", "/grants", GrantApply, Page)
            .with("organisation_id", o.to_string())
            .with("fiscal_year", fy.clone()),
        case("GET", format!("/grants/{g}"), GrantRead, Page),
        case("POST", format!("/grants/{g}/transitions"), GrantApply, Page).with("action", "request_payment"),
        case("POST", format!("/grants/{g}/transitions"), GrantDecide, Page).with("action", "pay"),
        case("POST", format!("/grants/{g}/expenses"), GrantApply, Page),
        case("GET", format!("/grants/{g}/expenses/999999/receipt"), GrantRead, Page),
        case("GET", format!("/grants/{g}/steps/999999/form"), GrantRead, Page),
        case("GET", "/api/v1/grants", GrantRead, Api),
        case("POST", "/api/v1/grants", GrantApply, Api).with("organisation_id", o.to_string()),
        case("GET", format!("/api/v1/grants/{g}"), GrantRead, Api),
        case("POST", format!("/api/v1/grants/{g}/transitions"), GrantApply, Api).with("action", "request_payment"),
        case("POST", format!("/api/v1/grants/{g}/transitions"), GrantDecide, Api).with("action", "pay"),
        case("GET", format!("/api/v1/grants/{g}/expenses"), GrantRead, Api),
        case("POST", format!("/api/v1/grants/{g}/expenses"), GrantApply, Api),
        case("GET", "/plans", PlanRead, Page),
        case("GET", "/plans/new", PlanWrite, Page),
        case("GET", "/plans/summary", PlanRead, Page),
        case("GET", "/plans/status", PlanRead, Page),
        case("GET", "/plans/summary.csv", PlanRead, Page),
        case("GET", "/plans/summary.xlsx", PlanRead, Page),
        case("GET", format!("/plans/{plan}/report"), PlanRead, Page),
        case("GET", format!("/plans/{plan}/report.xlsx"), PlanRead, Page),
        case("POST", "/plans", PlanWrite, Page),
        case("GET", format!("/plans/{plan}"), PlanRead, Page),
        case("GET", format!("/plans/{plan}/edit"), PlanWrite, Page),
        case("POST", format!("/plans/{plan}"), PlanWrite, Page),
        case("POST", format!("/plans/{plan}/comments"), PlanAdvise, Page),
        case("POST", format!("/plans/{plan}/lock"), PlanLock, Page),
        case("POST", format!("/plans/{plan}/projects"), PlanWrite, Page),
        case("GET", format!("/plans/{plan}/projects/{project}"), PlanRead, Page),
        case("POST", format!("/plans/{plan}/projects/{project}"), PlanWrite, Page),
        case(
            "GET",
            format!("/organisations/{o}/evacuation-support"),
            EvacuationSupportRead,
            Page,
        ),
        case(
            "POST",
            format!("/organisations/{o}/evacuation-support"),
            EvacuationSupportWrite,
            Page,
        ),
        case(
            "GET",
            format!("/organisations/{o}/evacuation-support/{r}"),
            EvacuationSupportWrite,
            Page,
        ),
        case(
            "POST",
            format!("/organisations/{o}/evacuation-support/{r}"),
            EvacuationSupportWrite,
            Page,
        ),
        case(
            "POST",
            format!("/organisations/{o}/evacuation-support/export"),
            EvacuationSupportRead,
            Page,
        ),
        case(
            "POST",
            format!("/organisations/{o}/register-readers"),
            EvacuationSupportName,
            Page,
        ),
        case("POST", format!("/organisations/{o}/archive"), OrganisationWrite, Page),
        case("POST", format!("/organisations/{o}/restore"), OrganisationWrite, Page),
        case("GET", "/staff", StaffRead, Page),
        case("GET", "/staff/choices?q=荒木&name=staff_ids&prefix=f", StaffRead, Page),
        case("GET", format!("/staff/{s}"), StaffRead, Page),
        case("GET", "/staff/new", StaffWrite, Page),
        case("GET", format!("/staff/{s}/edit"), StaffWrite, Page),
        case("POST", "/staff", StaffWrite, Page),
        case("POST", format!("/staff/{s}"), StaffWrite, Page),
        case("POST", format!("/departments/{d}"), DepartmentWrite, Page),
        case("GET", "/settings/scheme", SchemeRead, Page),
        case("POST", "/settings/scheme", SchemeWrite, Page),
        case("GET", "/users", UserManage, Page),
        case("GET", "/users/new", UserManage, Page),
        case("POST", "/users/new", UserManage, Page),
        case("POST", "/users/999999/disable", UserManage, Page),
        case("POST", "/users/999999/tokens/999999/revoke", UserManage, Page),
        case(
            "POST",
            "/privileged-grants/999999/acknowledge",
            PrivilegedGrantAcknowledge,
            Page,
        ),
        case("POST", "/data/import/areas", DataImport, Page),
        case("POST", "/account/password", OwnAccount, Page),
        case("GET", "/data", DataImport, Page),
        case("GET", "/data/export/areas", DataExport, Page),
        case("GET", "/audit", AuditRead, Page),
        case("GET", "/account", OwnAccount, Page),
        case("GET", "/help", OwnAccount, Page),
        case("GET", "/api/v1/me", OwnAccount, Api),
        case("GET", "/api/v1/areas", AreaRead, Api),
        case("GET", format!("/api/v1/areas/{a}"), AreaRead, Api),
        case("POST", "/api/v1/areas", AreaWrite, Api),
        case("PATCH", format!("/api/v1/areas/{a}"), AreaWrite, Api),
        case("GET", "/api/v1/departments", DepartmentRead, Api),
        case("GET", format!("/api/v1/departments/{d}"), DepartmentRead, Api),
        case("POST", "/api/v1/departments", DepartmentWrite, Api),
        case("PATCH", format!("/api/v1/departments/{d}"), DepartmentWrite, Api),
        case("GET", "/api/v1/organisations", OrganisationRead, Api),
        case("GET", format!("/api/v1/organisations/{o}"), OrganisationRead, Api),
        case("POST", "/api/v1/organisations", OrganisationWrite, Api),
        case("PATCH", format!("/api/v1/organisations/{o}"), OrganisationWrite, Api),
        case(
            "GET",
            format!("/api/v1/organisations/{o}/key-people"),
            KeyPersonRead,
            Api,
        ),
        case(
            "POST",
            format!("/api/v1/organisations/{o}/stage"),
            EstablishmentWrite,
            Api,
        ),
        case(
            "GET",
            format!("/api/v1/organisations/{o}/establishment"),
            OrganisationRead,
            Api,
        ),
        case(
            "GET",
            format!("/api/v1/organisations/{o}/recognition"),
            OrganisationRead,
            Api,
        ),
        case(
            "POST",
            format!("/api/v1/organisations/{o}/recognition"),
            RecognitionApply,
            Api,
        )
        .with("action", "apply"),
        case(
            "POST",
            format!("/api/v1/organisations/{o}/recognition"),
            RecognitionDecide,
            Api,
        )
        .with("action", "withdraw"),
        case(
            "GET",
            format!("/api/v1/organisations/{o}/recognition/files"),
            RecognitionApply,
            Api,
        ),
        case(
            "POST",
            format!("/api/v1/organisations/{o}/recognition/files"),
            RecognitionApply,
            Api,
        ),
        case(
            "GET",
            format!("/api/v1/organisations/{o}/recognition/files/999999"),
            RecognitionApply,
            Api,
        ),
        case(
            "GET",
            format!("/api/v1/organisations/{o}/evacuation-support"),
            EvacuationSupportRead,
            Api,
        ),
        case(
            "POST",
            format!("/api/v1/organisations/{o}/evacuation-support"),
            EvacuationSupportWrite,
            Api,
        ),
        case("GET", "/api/v1/plans", PlanRead, Api),
        case("GET", "/api/v1/plans/summary", PlanRead, Api),
        case("POST", "/api/v1/plans", PlanWrite, Api),
        case("GET", format!("/api/v1/plans/{plan}"), PlanRead, Api),
        case("PATCH", format!("/api/v1/plans/{plan}"), PlanWrite, Api),
        case("GET", format!("/api/v1/plans/{plan}/projects"), PlanRead, Api),
        case("POST", format!("/api/v1/plans/{plan}/projects"), PlanWrite, Api),
        case("PATCH", format!("/api/v1/projects/{project}"), PlanWrite, Api),
        case("GET", "/api/v1/staff", StaffRead, Api),
        case("GET", format!("/api/v1/staff/{s}"), StaffRead, Api),
        case("POST", "/api/v1/staff", StaffWrite, Api),
        case("PATCH", format!("/api/v1/staff/{s}"), StaffWrite, Api),
        case("GET", "/api/v1/scheme", SchemeRead, Api),
        case("POST", "/api/v1/import/areas?dry_run=true", DataImport, Api),
        case("GET", "/api/v1/export/areas", DataExport, Api),
    ];

    let roles: Vec<Option<Role>> = std::iter::once(None).chain(Role::ALL.map(Some)).collect();
    let mut failures = Vec::new();
    for role in roles {
        let (browser, token) = match role {
            Some(r) => {
                let login = format!("arao-{}", r.as_str());
                (Some(app.login(&login).await), Some(app.token(&login).await))
            }
            None => (None, None),
        };
        for c in &cases {
            let url = app.url(&c.path);
            let res = match (c.via, &browser, &token) {
                (Via::Page, Some(b), _) => {
                    let mut form = vec![("_csrf", b.csrf.clone())];
                    form.extend(c.fields.iter().map(|(k, v)| (*k, v.clone())));
                    match c.method {
                        "GET" => b.client.get(&url).send().await,
                        _ => b.client.post(&url).form(&form).send().await,
                    }
                }
                (Via::Page, None, _) => {
                    let client = app.anonymous();
                    match c.method {
                        "GET" => client.get(&url).send().await,
                        _ => client.post(&url).form(&[("x", "y")]).send().await,
                    }
                }
                (Via::Api, _, t) => {
                    let client = app.anonymous();
                    let mut req = match c.method {
                        "GET" => client.get(&url),
                        "POST" => client.post(&url).json(&json_of(&c.fields)),
                        "DELETE" => client.delete(&url),
                        _ => client.patch(&url).json(&serde_json::json!({"name": "", "title": ""})),
                    };
                    if let Some(t) = t {
                        req = req.bearer_auth(t);
                    }
                    req.send().await
                }
            }
            .expect("request");
            let status = res.status().as_u16();
            let allowed = scope(role, c.action) != Scope::Denied;
            let ok = match (allowed, role, c.via) {
                (true, _, _) => status != 401 && status != 403 && status < 500,
                (false, None, Via::Page) => {
                    status == 303
                        && res
                            .headers()
                            .get("location")
                            .is_some_and(|l| l.to_str().unwrap_or("").starts_with("/login"))
                }
                (false, None, Via::Api) => status == 401,
                (false, Some(_), _) => status == 403,
            };
            if !ok {
                failures.push(format!(
                    "{:?} {} {} ({:?}, allowed={allowed}): got {status}",
                    role.map(Role::as_str),
                    c.method,
                    c.path,
                    c.action
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "permission table not honoured:\n{}",
        failures.join("\n")
    );
}

fn json_of(fields: &[(&'static str, String)]) -> serde_json::Value {
    serde_json::Value::Object(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}

#[tokio::test]
async fn scope_own_means_own() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let mine = app.id_of(muni, "organisations", "O001").await;
    // O011 is in the second district: not the liaison's, not the community's.
    let other = app.id_of(muni, "organisations", "O011").await;

    for login in ["arao-liaison", "arao-community"] {
        let token = app.token(login).await;
        let client = app.anonymous();
        let get = |id: i64, tail: &str| {
            client
                .get(app.url(&format!("/api/v1/organisations/{id}{tail}")))
                .bearer_auth(&token)
                .send()
        };
        assert_eq!(get(mine, "").await.unwrap().status(), 200, "{login} sees own");
        assert_eq!(
            get(mine, "/key-people").await.unwrap().status(),
            200,
            "{login} sees own key people"
        );
        let other_status = get(other, "/key-people").await.unwrap().status();
        assert_eq!(other_status, 403, "{login} must not see another district's key people");
        let list: serde_json::Value = client
            .get(app.url("/api/v1/organisations?per_page=500"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(&mine));
        // Liaison staff read the whole directory of organisations; a community account only its own.
        assert_eq!(ids.contains(&other), login == "arao-liaison", "{login}'s list");
    }
    // The community account cannot see another organisation at all; the liaison can read it (directory) but not edit.
    let community = app.token("arao-community").await;
    let res = app
        .anonymous()
        .get(app.url(&format!("/api/v1/organisations/{other}")))
        .bearer_auth(&community)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let liaison = app.token("arao-liaison").await;
    let res = app
        .anonymous()
        .patch(app.url(&format!("/api/v1/organisations/{other}")))
        .bearer_auth(&liaison)
        .json(&serde_json::json!({"note": "書き換え"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "forbidden");
    assert_eq!(body["message"], "この操作を行う権限がありません");
}

#[tokio::test]
async fn every_read_of_key_people_is_audited() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let org = app.id_of(muni, "organisations", "O001").await;
    let coordinator = app.login("arao-coordinator").await;
    let page = coordinator
        .get(&format!("/organisations/{org}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("キーパーソン") && page.contains("090-"),
        "coordinator sees contacts"
    );
    let admin = app.login("arao-admin").await;
    let page = admin.get(&format!("/organisations/{org}")).await.text().await.unwrap();
    assert!(!page.contains("090-"), "the system admin does not see contacts");

    let log = kyodo_store::audit::list(
        &app.db,
        muni,
        &kyodo_store::audit::AuditFilter {
            action: Some("read_personal".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(log.total, 1, "one read, one entry");
    let entry = &log.items[0];
    assert_eq!(entry.login.as_deref(), Some("arao-coordinator"));
    assert!(
        entry
            .detail
            .as_deref()
            .unwrap()
            .contains(&format!("\"organisation_id\":{org}"))
    );
}

/// Staff's personal fields (居住地区・メールアドレス), field by field and role by
/// role, in every output: the API's list and record, the record's page and
/// edit form, the CSV export; an admin's edit keeps them; each read is logged.
#[tokio::test]
async fn staff_personal_fields_reach_exactly_whom_the_table_allows() {
    let app = TestApp::spawn(&["arao"]).await;
    let muni = app.municipality("432041").await.id;
    let coordinator = common::Api::new(&app, "arao-coordinator").await;
    let own_staff = |login: &'static str| {
        let db = app.db.clone();
        async move {
            kyodo_store::accounts::by_login(&db, login)
                .await
                .unwrap()
                .unwrap()
                .staff_id
        }
    };
    let liaison_staff = own_staff("arao-liaison").await.expect("the demo liaison is staff");
    // Somebody else with a home district and an address to hide.
    let (_, list) = coordinator.send("GET", "/staff?per_page=500", None).await;
    let other = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] != liaison_staff && !s["personal"]["home_area_name"].is_null())
        .expect("a demo staff member with a home district")
        .clone();
    let other_id = other["id"].as_i64().unwrap();
    let home_name = other["personal"]["home_area_name"].as_str().unwrap().to_owned();
    let (status, _) = coordinator
        .send(
            "PATCH",
            &format!("/staff/{other_id}"),
            Some(serde_json::json!({"email": "hidden.person@city.example.jp"})),
        )
        .await;
    assert_eq!(status, 200);

    for login in ["arao-admin", "arao-coordinator", "arao-liaison", "arao-department"] {
        let user = kyodo_store::accounts::by_login(&app.db, login).await.unwrap().unwrap();
        let personal_scope = scope(Some(user.role), Action::StaffPersonalRead);
        let sees = |id: i64| match personal_scope {
            Scope::Municipality => true,
            Scope::Own => user.staff_id == Some(id),
            Scope::Denied => false,
        };
        let api = common::Api::new(&app, login).await;
        let (status, list) = api.send("GET", "/staff?per_page=500", None).await;
        assert_eq!(status, 200, "{login} reads the directory");
        for s in list["items"].as_array().unwrap() {
            let id = s["id"].as_i64().unwrap();
            assert_eq!(s.get("personal").is_some(), sees(id), "{login}: list, staff {id}");
            let text = s.to_string();
            assert!(
                !text.contains("home_area") || sees(id),
                "{login}: no home district of {id}"
            );
        }
        for id in [other_id, liaison_staff] {
            let (status, one) = api.send("GET", &format!("/staff/{id}"), None).await;
            assert_eq!(status, 200);
            assert_eq!(one.get("personal").is_some(), sees(id), "{login}: record {id}");
        }
        let browser = app.login(login).await;
        let page = browser.get(&format!("/staff/{other_id}")).await.text().await.unwrap();
        assert_eq!(
            page.contains("hidden.person@"),
            sees(other_id),
            "{login}: the record's page"
        );
        assert_eq!(page.contains("居住地区"), sees(other_id), "{login}: the record's page");
        let export = api.request(reqwest::Method::GET, "/export/staff").send().await.unwrap();
        let may_export =
            scope(Some(user.role), Action::DataExport) != Scope::Denied && personal_scope == Scope::Municipality;
        assert_eq!(export.status() == 200, may_export, "{login}: the staff CSV");
        if scope(Some(user.role), Action::StaffWrite) != Scope::Denied {
            let form = browser
                .get(&format!("/staff/{other_id}/edit"))
                .await
                .text()
                .await
                .unwrap();
            assert_eq!(
                form.contains("hidden.person@"),
                sees(other_id),
                "{login}: the edit form"
            );
            assert_eq!(form.contains(&home_name), sees(other_id), "{login}: the edit form");
        }
    }

    // The admin edits a record without its personal fields, and they stay.
    let admin = common::Api::new(&app, "arao-admin").await;
    let (status, _) = admin
        .send(
            "PATCH",
            &format!("/staff/{other_id}"),
            Some(serde_json::json!({"name_kana": "カクシ", "email": "changed@city.example.jp", "home_area_id": null})),
        )
        .await;
    assert_eq!(status, 200);
    let (_, after) = coordinator.send("GET", &format!("/staff/{other_id}"), None).await;
    assert_eq!(after["name_kana"], "カクシ");
    assert_eq!(after["personal"]["email"], "hidden.person@city.example.jp");
    assert_eq!(after["personal"]["home_area_name"], home_name.as_str());

    // The audit log, which the admin reads, says that the address changed but not what to.
    let log = kyodo_store::audit::list(
        &app.db,
        muni,
        &kyodo_store::audit::AuditFilter {
            entity: Some("staff".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let details: Vec<&str> = log.items.iter().filter_map(|e| e.detail.as_deref()).collect();
    assert!(details.iter().any(|d| d.contains("email")), "the change is logged");
    assert!(
        !details.iter().any(|d| d.contains("hidden.person@")),
        "the log holds no address: {details:?}"
    );
    // Each read of personal fields is logged, by whom.
    let reads = kyodo_store::audit::list(
        &app.db,
        muni,
        &kyodo_store::audit::AuditFilter {
            action: Some("read_personal".into()),
            entity: Some("staff".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(
        reads
            .items
            .iter()
            .any(|e| e.login.as_deref() == Some("arao-coordinator"))
    );
    assert!(!reads.items.iter().any(|e| e.login.as_deref() == Some("arao-admin")));
}

#[tokio::test]
async fn the_community_does_not_read_the_scheme_settings() {
    let app = TestApp::spawn(&["arao"]).await;
    let community = app.login("arao-community").await;
    assert_eq!(community.get("/settings/scheme").await.status(), 403);
    let page = community.get("/account").await.text().await.unwrap();
    assert!(page.contains("/account"), "a page with the menu");
    assert!(!page.contains("/settings/scheme"), "nor is it in the menu");
    let token = app.token("arao-community").await;
    let res = app
        .anonymous()
        .get(app.url("/api/v1/scheme"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn the_guide_speaks_to_each_role() {
    let app = TestApp::spawn(&["arao"]).await;
    for (login, says, never) in [
        (
            "arao-liaison",
            "議事録から課題を起こします",
            "「利用者」でアカウントを作ります",
        ),
        ("arao-department", "回答の定型文", "制度設定"),
        ("arao-community", "写真も添付できます", "活動記録"),
        ("arao-admin", "「利用者」でアカウントを作ります", "id=\"help-flow\""),
    ] {
        let b = app.login(login).await;
        let res = b.get("/help").await;
        assert_eq!(res.status(), 200, "{login}");
        let page = res.text().await.unwrap();
        assert!(page.contains(says), "{login}: {says}");
        let guide = page.split("<h1>操作ガイド</h1>").nth(1).unwrap_or_default();
        assert!(!guide.contains(never), "{login} is not told: {never}");
    }
    let liaison = app.login("arao-liaison").await;
    let page = liaison.get("/help").await.text().await.unwrap();
    assert!(page.contains("部署の回答待ち"), "the flow names the issue's states");
    let other = liaison.get("/meetings").await.text().await.unwrap();
    assert!(
        other.contains("<a href=\"/help\">操作ガイド</a>"),
        "every page links the guide"
    );
}
