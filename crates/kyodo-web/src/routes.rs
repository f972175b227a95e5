//! Every route, pages and API, in one table so that a reader (and the
//! permission test) sees them all at once.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, patch, post};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::issues::{self, Issues, dashboard, detail, files, progress, templates};
use crate::{
    AppState, accounts, activities, api, appointments, areas, audit, case_studies, data, departments, editing,
    evacuation_support, events, grants, handovers, help, mail, meetings, open311, organisations, plans, public,
    rotation, scheme, staff, workload,
};

pub fn router(state: AppState) -> Router {
    // What residents read, without an account: rate-limited per client.
    let limited = axum::middleware::from_fn_with_state(state.clone(), public::limit::limit);
    let public_pages = Router::new()
        .route("/p/{code}", get(public::pages::top))
        .route("/p/{code}/calendar", get(public::pages::calendar))
        .route("/p/{code}/calendar.ics", get(public::feeds::municipality))
        .route("/p/{code}/areas/{id}", get(public::pages::area))
        .route("/p/{code}/areas/{id}/calendar.ics", get(public::feeds::area))
        .route("/p/{code}/organisations/{id}", get(public::pages::organisation))
        .route(
            "/p/{code}/organisations/{id}/calendar.ics",
            get(public::feeds::organisation),
        )
        .route("/p/{code}/events/{id}", get(public::pages::event))
        .route("/p/{code}/annual/{id}", get(events::annual::public_page))
        .route("/p/{code}/feed.atom", get(public::syndication::feed))
        .route("/p/{code}/sitemap.xml", get(public::syndication::sitemap))
        .route("/p/{code}/case-studies", get(public::cases::list))
        .route("/p/{code}/case-studies/{id}", get(public::cases::case))
        .route(
            "/p/{code}/case-studies/{id}/photos/{photo_id}",
            get(public::cases::photo),
        )
        .route_layer(limited.clone());
    let public_api = Router::new()
        .route("/public/{code}/roster", get(appointments::roster::public_api))
        .route("/public/{code}/areas", get(public::api::areas))
        .route("/public/{code}/organisations", get(public::api::organisations))
        .route("/public/{code}/events", get(public::api::events))
        .route("/public/{code}/reports", get(public::api::reports))
        .route("/public/{code}/case-studies", get(public::api::case_studies))
        .route_layer(limited);
    let pages = Router::new()
        .route("/", get(accounts::home))
        .route("/help", get(help::help_page))
        .route("/login", get(accounts::login_form).post(accounts::login))
        .route("/logout", post(accounts::logout))
        .route("/account", get(accounts::account_page))
        .route("/account/password", post(accounts::change_password))
        .route("/account/tokens", post(accounts::create_token_page))
        .route("/account/tokens/{id}/revoke", post(accounts::revoke_token_page))
        .route("/users", get(accounts::users_page))
        .route(
            "/users/new",
            get(accounts::new_user_form).post(accounts::create_user_page),
        )
        .route("/users/{id}", get(accounts::user_page))
        .route("/users/{id}/password", post(accounts::reset_password_page))
        .route("/users/{id}/disable", post(accounts::disable_user_page))
        .route("/users/{id}/enable", post(accounts::enable_user_page))
        .route(
            "/users/{id}/tokens/{token}/revoke",
            post(accounts::revoke_user_token_page),
        )
        .route(
            "/privileged-grants/{id}/acknowledge",
            post(crate::privileged_grants::acknowledge_page),
        )
        .route("/issues", get(issues::list_page).post(editing::create_page::<Issues>))
        .route("/issues/new", get(editing::new_page::<Issues>))
        .route("/issues/export.csv", get(issues::export_file))
        .route("/issues/export.xlsx", get(issues::export_xlsx))
        .route("/issues/dashboard", get(dashboard::dashboard_page))
        .route("/issues/progress-report", get(progress::page))
        .route("/issues/dashboard.xlsx", get(dashboard::dashboard_xlsx))
        .route(
            "/issues/{id}",
            get(detail::detail_page).post(editing::update_page::<Issues>),
        )
        .route("/issues/{id}/edit", get(editing::edit_page::<Issues>))
        .route("/issues/{id}/transitions", post(detail::transition_page))
        .route("/issues/{id}/files", post(files::upload_page))
        .route("/issues/{id}/files/{file}", get(files::download_page))
        .route("/issues/{id}/files/{file}/delete", post(files::remove_page))
        .route(
            "/appointments",
            get(appointments::list_page).post(appointments::create_page),
        )
        .route("/appointments/new", get(appointments::new_page))
        .route("/appointments/next-april", get(appointments::team::next_april_page))
        .route("/appointments/coverage", get(appointments::team::coverage_page))
        .route("/appointments/roster.csv", get(appointments::roster::csv_page))
        .route("/appointments/roster.xlsx", get(appointments::roster::xlsx_page))
        .route("/appointments/{id}", get(appointments::detail_page))
        .route("/appointments/{id}/end", post(appointments::end_page))
        .route("/areas/{id}/team", get(appointments::team::team_page))
        .route(
            "/meetings",
            get(meetings::list_page).post(editing::create_page::<meetings::Meetings>),
        )
        .route("/meetings/new", get(meetings::new_page))
        .route(
            "/meetings/{id}",
            get(meetings::detail_page).post(editing::update_page::<meetings::Meetings>),
        )
        .route("/meetings/{id}/edit", get(editing::edit_page::<meetings::Meetings>))
        .route("/meetings/{id}/issues", post(meetings::raise_page))
        .route(
            "/events",
            get(events::list_page).post(editing::create_page::<events::Events>),
        )
        .route("/events/new", get(events::new_page))
        .route(
            "/events/annual",
            get(events::annual::list_page).post(editing::create_page::<events::annual::AnnualCalendars>),
        )
        .route("/events/annual/new", get(events::annual::new_page))
        .route(
            "/events/annual/{id}",
            get(events::annual::detail_page).post(editing::update_page::<events::annual::AnnualCalendars>),
        )
        .route(
            "/events/annual/{id}/edit",
            get(editing::edit_page::<events::annual::AnnualCalendars>),
        )
        .route("/events/annual/{id}/print", get(events::annual::print_page))
        .route("/events/annual/{id}/publish", post(events::annual::publish_page))
        .route("/events/annual/{id}/adverts", post(events::annual::add_advert_page))
        .route(
            "/events/annual/{id}/adverts/{advert}/delete",
            post(events::annual::remove_advert_page),
        )
        .route(
            "/events/{id}",
            get(events::detail_page).post(editing::update_page::<events::Events>),
        )
        .route("/events/{id}/edit", get(editing::edit_page::<events::Events>))
        .route("/issues/{id}/publication", post(issues::detail::publication_page))
        .route(
            "/case-studies",
            get(case_studies::list_page).post(editing::create_page::<case_studies::CaseStudies>),
        )
        .route("/case-studies/new", get(case_studies::new_page))
        .route(
            "/case-studies/{id}",
            get(case_studies::detail_page).post(editing::update_page::<case_studies::CaseStudies>),
        )
        .route(
            "/case-studies/{id}/edit",
            get(editing::edit_page::<case_studies::CaseStudies>),
        )
        .route("/case-studies/{id}/share", post(case_studies::share_page))
        .route(
            "/case-studies/{id}/photos/from/{attachment_id}",
            post(case_studies::photos::add_page),
        )
        .route(
            "/case-studies/{id}/photos/{photo_id}",
            get(case_studies::photos::photo_page),
        )
        .route(
            "/case-studies/{id}/photos/{photo_id}/delete",
            post(case_studies::photos::remove_page),
        )
        .route("/case-studies/{id}/unshare", post(case_studies::unshare_page))
        .route("/activities", get(activities::list_page).post(activities::create_page))
        .route("/activities/new", get(activities::new_page))
        .route("/activities/{id}", post(editing::update_page::<activities::Activities>))
        .route(
            "/activities/{id}/edit",
            get(editing::edit_page::<activities::Activities>),
        )
        .route("/activities/{id}/delete", post(activities::delete_page))
        .route("/workload", get(workload::dashboard_page))
        .route("/workload/export.xlsx", get(workload::dashboard_xlsx))
        .route("/workload/report", get(workload::report_page))
        .route("/workload/report.xlsx", get(workload::report_xlsx))
        .route("/workload/staff/{id}", get(workload::staff_page))
        .route("/workload/staff/{id}/export.xlsx", get(workload::staff_xlsx))
        .route("/handovers", get(handovers::list_page))
        .route("/handovers/{id}", get(handovers::detail_page))
        .route("/handovers/{id}/tick", post(handovers::tick_page))
        .route("/handovers/{id}/untick", post(handovers::untick_page))
        .route("/handovers/{id}/sign", post(handovers::sign_page))
        .route("/handovers/{id}/note", post(handovers::note_page))
        .route("/rotation", get(rotation::list_page).post(rotation::create_page))
        .route("/rotation/{id}", get(rotation::detail_page))
        .route("/rotation/{id}/replan", post(rotation::replan_page))
        .route("/rotation/{id}/approve", post(rotation::approve_page))
        .route(
            "/areas",
            get(areas::list_page).post(editing::create_page::<areas::Areas>),
        )
        .route("/areas/new", get(editing::new_page::<areas::Areas>))
        .route("/areas/tree", get(areas::tree_page))
        .route(
            "/areas/{id}",
            get(areas::detail_page).post(editing::update_page::<areas::Areas>),
        )
        .route("/areas/{id}/edit", get(editing::edit_page::<areas::Areas>))
        .route("/areas/{id}/figures", post(areas::add_figures_page))
        .route("/areas/{id}/archive", post(editing::archive_page::<areas::Areas>))
        .route("/areas/{id}/restore", post(editing::restore_page::<areas::Areas>))
        .route(
            "/departments",
            get(departments::list_page).post(editing::create_page::<departments::Departments>),
        )
        .route("/departments/new", get(editing::new_page::<departments::Departments>))
        .route("/departments/tree", get(departments::tree_page))
        .route(
            "/departments/{id}",
            get(departments::detail_page).post(editing::update_page::<departments::Departments>),
        )
        .route(
            "/departments/{id}/edit",
            get(editing::edit_page::<departments::Departments>),
        )
        .route(
            "/departments/{id}/archive",
            post(editing::archive_page::<departments::Departments>),
        )
        .route(
            "/departments/{id}/restore",
            post(editing::restore_page::<departments::Departments>),
        )
        .route(
            "/organisations",
            get(organisations::list_page).post(editing::create_page::<organisations::Organisations>),
        )
        .route(
            "/organisations/new",
            get(editing::new_page::<organisations::Organisations>),
        )
        .route(
            "/organisations/{id}",
            get(organisations::detail_page).post(editing::update_page::<organisations::Organisations>),
        )
        .route(
            "/organisations/{id}/edit",
            get(editing::edit_page::<organisations::Organisations>),
        )
        .route(
            "/organisations/{id}/archive",
            post(editing::archive_page::<organisations::Organisations>),
        )
        .route(
            "/organisations/{id}/restore",
            post(editing::restore_page::<organisations::Organisations>),
        )
        .route("/organisations/{id}/officers", post(organisations::add_officer_page))
        .route(
            "/organisations/{id}/officers/{officer}",
            post(organisations::update_officer_page),
        )
        .route(
            "/organisations/{id}/officers/{officer}/edit",
            get(organisations::edit_officer_page),
        )
        .route(
            "/organisations/{id}/officers/{officer}/delete",
            post(organisations::remove_officer_page),
        )
        .route("/plans", get(plans::list_page).post(plans::create_page))
        .route("/plans/new", get(plans::new_page))
        .route("/plans/summary", get(plans::summary::page))
        .route("/plans/status", get(plans::status::page))
        .route("/plans/summary.csv", get(plans::summary::csv))
        .route("/plans/summary.xlsx", get(plans::summary::xlsx))
        .route("/plans/{id}/report", get(plans::report::page))
        .route("/plans/{id}/report.xlsx", get(plans::report::xlsx_page))
        .route("/plans/{id}", get(plans::detail_page).post(plans::update_page))
        .route("/plans/{id}/edit", get(plans::edit_page))
        .route("/plans/{id}/lock", post(plans::lock_page))
        .route("/plans/{id}/publication", post(plans::publication_page))
        .route("/plans/{id}/comments", post(plans::add_comment_page))
        .route("/plans/{id}/projects", post(plans::add_project_page))
        .route(
            "/plans/{id}/projects/{project}",
            get(plans::project_page).post(plans::update_project_page),
        )
        .route(
            "/organisations/{id}/stage",
            post(organisations::establishment::move_stage_page),
        )
        .route(
            "/organisations/{id}/records",
            post(organisations::establishment::add_record_page),
        )
        .route(
            "/organisations/{id}/records/{record}/delete",
            post(organisations::establishment::remove_record_page),
        )
        .route(
            "/organisations/{id}/areas",
            post(organisations::establishment::add_area_page),
        )
        .route(
            "/organisations/{id}/areas/{area}/delete",
            post(organisations::establishment::remove_area_page),
        )
        .route(
            "/organisations/{id}/groups",
            post(organisations::establishment::add_group_page),
        )
        .route(
            "/organisations/{id}/groups/{group}",
            post(organisations::establishment::update_group_page),
        )
        .route(
            "/organisations/{id}/groups/{group}/edit",
            get(organisations::establishment::edit_group_page),
        )
        .route(
            "/organisations/{id}/groups/{group}/delete",
            post(organisations::establishment::remove_group_page),
        )
        .route(
            "/organisations/{id}/recognition",
            post(organisations::recognition::act_page),
        )
        .route(
            "/organisations/{id}/recognition/notice",
            get(organisations::recognition::notice_page),
        )
        .route(
            "/organisations/{id}/recognition/files",
            post(organisations::application_files::upload_page),
        )
        .route(
            "/grants",
            get(grants::schemes::list_page).post(grants::procedure::open_page),
        )
        .route("/grants/overview", get(grants::overview::page))
        .route("/grants/overview.xlsx", get(grants::overview::xlsx_page))
        .route("/grants/payments.csv", get(grants::overview::payments_page))
        .route("/grants/{id}", get(grants::procedure::grant_page))
        .route("/grants/{id}/transitions", post(grants::procedure::transition_page))
        .route("/grants/{id}/expenses", post(grants::expenses::add_page))
        .route(
            "/grants/{id}/expenses/{expense_id}/receipt",
            get(grants::expenses::receipt_page),
        )
        .route("/grants/{id}/steps/{step_id}/form", get(grants::procedure::form_page))
        .route("/grants/schemes", post(grants::schemes::create_page))
        .route(
            "/grants/schemes/{id}",
            get(grants::schemes::scheme_page).post(grants::schemes::save_page),
        )
        .route("/grants/schemes/{id}/simulate", post(grants::schemes::simulate_page))
        .route("/grants/schemes/{id}/calculation.xlsx", get(grants::schemes::xlsx_page))
        .route(
            "/organisations/{id}/recognition/files/{file}",
            get(organisations::application_files::download_page),
        )
        .route(
            "/organisations/{id}/recognition/files/{file}/delete",
            post(organisations::application_files::remove_page),
        )
        .route(
            "/organisations/{id}/key-people",
            post(organisations::add_key_person_page),
        )
        .route(
            "/organisations/{id}/key-people/{person}",
            post(organisations::update_key_person_page),
        )
        .route(
            "/organisations/{id}/key-people/{person}/edit",
            get(organisations::edit_key_person_page),
        )
        .route(
            "/organisations/{id}/key-people/{person}/delete",
            post(organisations::remove_key_person_page),
        )
        .route(
            "/organisations/{id}/evacuation-support",
            get(evacuation_support::register_page).post(evacuation_support::add_page),
        )
        .route(
            "/organisations/{id}/evacuation-support/export",
            post(evacuation_support::export_page),
        )
        .route(
            "/organisations/{id}/evacuation-support/{resident}",
            get(evacuation_support::edit_page).post(evacuation_support::update_page),
        )
        .route(
            "/organisations/{id}/evacuation-support/{resident}/delete",
            post(evacuation_support::remove_page),
        )
        .route(
            "/organisations/{id}/register-readers",
            post(evacuation_support::name_reader_page),
        )
        .route(
            "/organisations/{id}/register-readers/{reader}/delete",
            post(evacuation_support::remove_reader_page),
        )
        .route(
            "/staff",
            get(staff::list_page).post(editing::create_page::<staff::StaffRecords>),
        )
        .route("/staff/new", get(editing::new_page::<staff::StaffRecords>))
        .route("/staff/choices", get(staff::choices_page))
        .route(
            "/staff/{id}",
            get(staff::detail_page).post(editing::update_page::<staff::StaffRecords>),
        )
        .route("/staff/{id}/edit", get(editing::edit_page::<staff::StaffRecords>))
        .route(
            "/staff/{id}/archive",
            post(editing::archive_page::<staff::StaffRecords>),
        )
        .route(
            "/staff/{id}/restore",
            post(editing::restore_page::<staff::StaffRecords>),
        )
        .route(
            "/settings/scheme",
            get(scheme::scheme_page).post(scheme::update_scheme_page),
        )
        .route(
            "/settings/answer-templates",
            get(templates::page).post(templates::create_page),
        )
        .route("/settings/answer-templates/{id}/delete", post(templates::remove_page))
        .route("/settings/mail", get(mail::settings_page).post(mail::save_page))
        .route("/settings/mail/test", post(mail::test_page))
        .route("/account/email", post(mail::set_own_email_page))
        .route("/data", get(data::data_page))
        .route("/data/import/{kind}", post(data::import_page))
        .route("/data/imports/{id}", get(data::import_run_page))
        .route("/data/export/{kind}", get(data::export_file))
        .route("/audit", get(audit::audit_page));

    let api = Router::new()
        .route("/openapi.json", get(api::openapi_json))
        .route("/me", get(accounts::me_api))
        .route("/issues", get(issues::list_api).post(issues::create_api))
        .route("/issues/similar", get(issues::similar_api))
        .route("/issues/export", get(issues::export_api))
        .route("/issues/dashboard", get(dashboard::dashboard_api))
        .route("/issues/{id}", get(issues::get_api).patch(issues::patch_api))
        .route("/issues/{id}/transitions", post(detail::transition_api))
        .route("/issues/{id}/history", get(detail::history_api))
        .route("/issues/{id}/files", get(files::list_api).post(files::upload_api))
        .route("/issues/{id}/files/{file}", get(files::download_api))
        .route("/areas", get(areas::list_api).post(areas::create_api))
        .route("/areas/{id}", get(areas::get_api).patch(areas::patch_api))
        .route("/departments", get(departments::list_api).post(departments::create_api))
        .route(
            "/departments/{id}",
            get(departments::get_api).patch(departments::patch_api),
        )
        .route(
            "/organisations",
            get(organisations::list_api).post(organisations::create_api),
        )
        .route(
            "/organisations/{id}",
            get(organisations::get_api).patch(organisations::patch_api),
        )
        .route("/organisations/{id}/key-people", get(organisations::key_people_api))
        .route(
            "/organisations/{id}/evacuation-support",
            get(evacuation_support::list_api).post(evacuation_support::create_api),
        )
        .route("/plans", get(plans::list_api).post(plans::create_api))
        .route("/plans/summary", get(plans::summary::api))
        .route("/plans/{id}", get(plans::get_api).patch(plans::patch_api))
        .route("/plans/{id}/publication", post(plans::publication_api))
        .route(
            "/plans/{id}/projects",
            get(plans::projects_api).post(plans::create_project_api),
        )
        .route("/projects/{id}", patch(plans::patch_project_api))
        .route(
            "/organisations/{id}/stage",
            post(organisations::establishment::move_stage_api),
        )
        .route(
            "/organisations/{id}/establishment",
            get(organisations::establishment::establishment_api),
        )
        .route(
            "/organisations/{id}/recognition",
            get(organisations::recognition::events_api).post(organisations::recognition::act_api),
        )
        .route(
            "/organisations/{id}/recognition/files",
            get(organisations::application_files::list_api).post(organisations::application_files::upload_api),
        )
        .route(
            "/grant-schemes",
            get(grants::schemes::list_api).post(grants::schemes::create_api),
        )
        .route(
            "/grant-schemes/{id}",
            get(grants::schemes::get_api).patch(grants::schemes::update_api),
        )
        .route("/grant-schemes/{id}/simulate", post(grants::schemes::simulate_api))
        .route(
            "/grants",
            get(grants::procedure::list_api).post(grants::procedure::open_api),
        )
        .route("/grants/{id}", get(grants::procedure::get_api))
        .route("/grants/{id}/transitions", post(grants::procedure::transition_api))
        .route(
            "/grants/{id}/expenses",
            get(grants::expenses::list_api).post(grants::expenses::add_api),
        )
        .route(
            "/organisations/{id}/recognition/files/{file}",
            get(organisations::application_files::download_api),
        )
        .route("/staff", get(staff::list_api).post(staff::create_api))
        .route("/staff/{id}", get(staff::get_api).patch(staff::patch_api))
        .route("/scheme", get(scheme::get_api))
        .route(
            "/answer-templates",
            get(templates::list_api).post(templates::create_api),
        )
        .route("/answer-templates/{id}", axum::routing::delete(templates::delete_api))
        .route(
            "/appointments",
            get(appointments::list_api).post(appointments::create_api),
        )
        .route("/appointments/{id}", get(appointments::get_api))
        .route("/appointments/{id}/end", post(appointments::end_api))
        .route("/events", get(events::list_api).post(events::create_api))
        .route("/events/{id}", get(events::get_api).patch(events::patch_api))
        .route("/issues/{id}/publication", post(issues::detail::publication_api))
        .route(
            "/case-studies",
            get(case_studies::list_api).post(case_studies::create_api),
        )
        .route(
            "/case-studies/{id}",
            get(case_studies::get_api).patch(case_studies::patch_api),
        )
        .route("/case-studies/{id}/share", post(case_studies::share_api))
        .route(
            "/case-studies/{id}/photos",
            get(case_studies::photos::list_api).post(case_studies::photos::add_api),
        )
        .route(
            "/case-studies/{id}/photos/{photo_id}",
            axum::routing::delete(case_studies::photos::remove_api),
        )
        .route("/meetings", get(meetings::list_api).post(meetings::create_api))
        .route("/meetings/{id}", get(meetings::get_api).patch(meetings::patch_api))
        .route("/meetings/{id}/issues", post(meetings::raise_api))
        .route("/activities", get(activities::list_api).post(activities::create_api))
        .route(
            "/activities/{id}",
            get(activities::get_api).patch(activities::patch_api),
        )
        .route("/handovers", get(handovers::list_api))
        .route("/handovers/{id}", get(handovers::get_api))
        .route("/handovers/{id}/tick", post(handovers::tick_api))
        .route("/handovers/{id}/sign", post(handovers::sign_api))
        .route("/rotation-plans", get(rotation::list_api).post(rotation::create_api))
        .route("/rotation-plans/{id}", get(rotation::get_api))
        .route("/rotation-plans/{id}/approve", post(rotation::approve_api))
        .route("/import/{kind}", post(data::import_api))
        .route("/export/{kind}", get(data::export_api))
        .fallback(api::not_found);

    let routed = Router::new()
        .merge(pages)
        .merge(public_pages)
        .nest("/api/v1", api.merge(public_api))
        .route("/healthz", get(api::healthz))
        .route("/open311/v2/services.json", get(open311::services))
        .route("/open311/v2/services/{file}", get(open311::service_definition))
        .route(
            "/open311/v2/requests.json",
            get(open311::requests).post(open311::create_request),
        )
        .route("/open311/v2/requests/{file}", get(open311::request))
        .route("/static/kyodo.css", get(api::stylesheet))
        .route("/static/kyodo.js", get(api::script))
        .route("/static/favicon.svg", get(api::favicon))
        .route("/favicon.ico", get(api::favicon))
        .fallback(api::page_not_found)
        .layer(axum::middleware::from_fn(crate::auth::same_origin_writes))
        .layer(axum::extract::DefaultBodyLimit::max(crate::edge::BODY_LIMIT))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"),
        ))
        .with_state(state);
    // The edge runs before routing, so that path parameters are read from the cleaned path.
    Router::new().fallback_service(tower::Layer::layer(
        &axum::middleware::from_fn(crate::edge::clean_input),
        routed,
    ))
}
