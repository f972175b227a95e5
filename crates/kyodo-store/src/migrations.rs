//! Schema migrations, written once with sea-query and rendered for SQLite or
//! PostgreSQL. Applied versions are recorded in `kyodo_migrations`; each
//! migration runs in one transaction, so a failed one leaves nothing behind.

use sea_query::{
    Alias, ColumnDef, ExprTrait, ForeignKey, ForeignKeyAction, Index, IndexCreateStatement, PostgresQueryBuilder,
    SqliteQueryBuilder, Table, TableAlterStatement, TableCreateStatement,
};

use crate::db::{Backend, Db, Tx};
use crate::error::{Result, StoreError};

fn name(s: &str) -> Alias {
    Alias::new(s)
}

/// A table with the columns every tenant record has: `id` and `municipality_id`.
fn tenant_table(table: &str) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(name(table))
        .col(
            ColumnDef::new(name("id"))
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(ColumnDef::new(name("municipality_id")).big_integer().not_null())
        .foreign_key(
            ForeignKey::create()
                .from(name(table), name("municipality_id"))
                .to(name("municipalities"), name("id"))
                .on_delete(ForeignKeyAction::Restrict),
        );
    t
}

/// Adds `created_at`, `updated_at`, `archived_at`, `version` and `search_text`.
fn record_columns(t: &mut TableCreateStatement) {
    t.col(ColumnDef::new(name("search_text")).text().not_null().default(""))
        .col(ColumnDef::new(name("archived_at")).timestamp_with_time_zone().null())
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(ColumnDef::new(name("created_at")).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(name("updated_at")).timestamp_with_time_zone().not_null());
}

fn text(col: &str) -> ColumnDef {
    let mut c = ColumnDef::new(name(col));
    c.text();
    c
}

fn reference(t: &mut TableCreateStatement, table: &str, col: &str, to: &str, nullable: bool) {
    let mut c = ColumnDef::new(name(col));
    c.big_integer();
    if nullable {
        c.null();
    } else {
        c.not_null();
    }
    t.col(c).foreign_key(
        ForeignKey::create()
            .from(name(table), name(col))
            .to(name(to), name("id"))
            .on_delete(ForeignKeyAction::Restrict),
    );
}

fn index(table: &str, cols: &[&str], unique: bool) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("ix_{table}_{}", cols.join("_"))).table(name(table));
    for c in cols {
        i.col(name(c));
    }
    if unique {
        i.unique();
    }
    i
}

/// One schema statement, rendered for each database.
struct Step {
    sqlite: String,
    postgres: String,
}

impl Step {
    fn table(t: TableCreateStatement) -> Self {
        Step {
            sqlite: t.to_string(SqliteQueryBuilder),
            postgres: t.to_string(PostgresQueryBuilder),
        }
    }

    fn alter(t: TableAlterStatement) -> Self {
        Step {
            sqlite: t.to_string(SqliteQueryBuilder),
            postgres: t.to_string(PostgresQueryBuilder),
        }
    }

    fn index(i: IndexCreateStatement) -> Self {
        Step {
            sqlite: i.to_string(SqliteQueryBuilder),
            postgres: i.to_string(PostgresQueryBuilder),
        }
    }

    /// SQL written for each database by hand (full-text search differs).
    fn raw(sqlite: &str, postgres: &str) -> Self {
        Step {
            sqlite: sqlite.to_owned(),
            postgres: postgres.to_owned(),
        }
    }

    fn sql(&self, backend: Backend) -> &str {
        match backend {
            Backend::Sqlite => &self.sqlite,
            Backend::Postgres => &self.postgres,
        }
    }
}

/// Version 1: municipalities and the foundation records, accounts, audit.
fn v1_foundation() -> Vec<Step> {
    let mut steps = Vec::new();

    let mut m = Table::create();
    m.table(name("municipalities"))
        .col(
            ColumnDef::new(name("id"))
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(text("code").not_null())
        .col(text("name").not_null())
        .col(text("scheme").not_null())
        .col(ColumnDef::new(name("created_at")).timestamp_with_time_zone().not_null());
    steps.push(Step::table(m));
    steps.push(Step::index(index("municipalities", &["code"], true)));

    // Areas (地区): a tree.
    let mut t = tenant_table("areas");
    reference(&mut t, "areas", "parent_id", "areas", true);
    t.col(ColumnDef::new(name("level")).integer().not_null())
        .col(text("code").not_null())
        .col(text("name").not_null())
        .col(text("name_kana").null())
        .col(text("note").null());
    record_columns(&mut t);
    steps.push(Step::table(t));
    steps.push(Step::index(index("areas", &["municipality_id", "code"], true)));
    steps.push(Step::index(index("areas", &["parent_id"], false)));

    // Departments (部署): a tree.
    let mut t = tenant_table("departments");
    reference(&mut t, "departments", "parent_id", "departments", true);
    t.col(text("code").not_null())
        .col(text("name").not_null())
        .col(text("name_kana").null())
        .col(text("phone").null());
    record_columns(&mut t);
    steps.push(Step::table(t));
    steps.push(Step::index(index("departments", &["municipality_id", "code"], true)));
    steps.push(Step::index(index("departments", &["parent_id"], false)));

    // Organisations (団体).
    let mut t = tenant_table("organisations");
    reference(&mut t, "organisations", "area_id", "areas", true);
    t.col(text("code").not_null())
        .col(text("name").not_null())
        .col(text("name_kana").null())
        .col(text("kind").not_null())
        .col(text("stage").null())
        .col(ColumnDef::new(name("established_on")).date().null())
        .col(ColumnDef::new(name("approved_on")).date().null())
        .col(text("note").null());
    record_columns(&mut t);
    steps.push(Step::table(t));
    steps.push(Step::index(index("organisations", &["municipality_id", "code"], true)));
    steps.push(Step::index(index("organisations", &["area_id"], false)));

    let mut t = tenant_table("officers");
    reference(&mut t, "officers", "organisation_id", "organisations", false);
    t.col(text("role").not_null())
        .col(text("name").not_null())
        .col(ColumnDef::new(name("term_start")).date().null())
        .col(ColumnDef::new(name("term_end")).date().null())
        .col(ColumnDef::new(name("created_at")).timestamp_with_time_zone().not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("officers", &["organisation_id"], false)));

    let mut t = tenant_table("key_people");
    reference(&mut t, "key_people", "organisation_id", "organisations", false);
    t.col(text("name").not_null())
        .col(text("name_kana").null())
        .col(text("title").null())
        .col(text("phone").null())
        .col(text("email").null())
        .col(text("address").null())
        .col(text("note").null())
        .col(ColumnDef::new(name("created_at")).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(name("updated_at")).timestamp_with_time_zone().not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("key_people", &["organisation_id"], false)));

    // Staff (職員) and their grade history.
    let mut t = tenant_table("staff");
    reference(&mut t, "staff", "department_id", "departments", true);
    reference(&mut t, "staff", "home_area_id", "areas", true);
    t.col(text("employee_number").not_null())
        .col(text("name").not_null())
        .col(text("name_kana").not_null())
        .col(text("grade").not_null())
        .col(ColumnDef::new(name("hire_date")).date().not_null())
        .col(text("email").null());
    record_columns(&mut t);
    steps.push(Step::table(t));
    steps.push(Step::index(index(
        "staff",
        &["municipality_id", "employee_number"],
        true,
    )));
    // Serves the default list (active staff by reading) and its count from the index alone.
    steps.push(Step::index(index(
        "staff",
        &["municipality_id", "archived_at", "name_kana"],
        false,
    )));
    steps.push(Step::index(index("staff", &["department_id"], false)));
    steps.push(Step::index(index("staff", &["home_area_id"], false)));

    let mut t = tenant_table("grade_changes");
    reference(&mut t, "grade_changes", "staff_id", "staff", false);
    t.col(text("grade").not_null())
        .col(ColumnDef::new(name("effective_on")).date().not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("grade_changes", &["staff_id"], false)));

    // Appointments (任命): which districts a liaison serves, hence their scope.
    let mut t = tenant_table("appointments");
    reference(&mut t, "appointments", "staff_id", "staff", false);
    reference(&mut t, "appointments", "area_id", "areas", false);
    t.col(text("position_key").not_null())
        .col(ColumnDef::new(name("start_on")).date().not_null())
        .col(ColumnDef::new(name("planned_end_on")).date().not_null())
        .col(ColumnDef::new(name("ended_on")).date().null())
        .col(text("end_reason").null())
        .col(ColumnDef::new(name("created_at")).timestamp_with_time_zone().not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("appointments", &["staff_id"], false)));
    steps.push(Step::index(index("appointments", &["area_id"], false)));

    // Accounts. Logins are unique across the deployment: the login form
    // does not ask which municipality.
    let mut t = tenant_table("users");
    reference(&mut t, "users", "staff_id", "staff", true);
    reference(&mut t, "users", "department_id", "departments", true);
    reference(&mut t, "users", "organisation_id", "organisations", true);
    t.col(text("login").not_null())
        .col(text("display_name").not_null())
        .col(text("role").not_null())
        .col(text("password_hash").not_null())
        .col(ColumnDef::new(name("disabled_at")).timestamp_with_time_zone().null())
        .col(ColumnDef::new(name("created_at")).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(name("updated_at")).timestamp_with_time_zone().not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("users", &["login"], true)));
    steps.push(Step::index(index("users", &["municipality_id", "role"], false)));

    let mut t = Table::create();
    t.table(name("sessions"))
        .col(text("id_hash").not_null().primary_key())
        .col(ColumnDef::new(name("user_id")).big_integer().not_null())
        .foreign_key(
            ForeignKey::create()
                .from(name("sessions"), name("user_id"))
                .to(name("users"), name("id"))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .col(text("csrf_token").not_null())
        .col(ColumnDef::new(name("created_at")).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(name("expires_at")).timestamp_with_time_zone().not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("sessions", &["user_id"], false)));

    let mut t = tenant_table("api_tokens");
    reference(&mut t, "api_tokens", "user_id", "users", false);
    t.col(text("name").not_null())
        .col(text("token_hash").not_null())
        .col(ColumnDef::new(name("created_at")).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(name("last_used_at")).timestamp_with_time_zone().null())
        .col(ColumnDef::new(name("revoked_at")).timestamp_with_time_zone().null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("api_tokens", &["token_hash"], true)));

    let mut t = Table::create();
    t.table(name("login_attempts"))
        .col(
            ColumnDef::new(name("id"))
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(text("login").not_null())
        .col(text("ip").not_null())
        .col(ColumnDef::new(name("at")).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(name("success")).boolean().not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("login_attempts", &["login", "at"], false)));
    steps.push(Step::index(index("login_attempts", &["ip", "at"], false)));

    let mut t = tenant_table("audit_log");
    t.col(ColumnDef::new(name("at")).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(name("user_id")).big_integer().null())
        .col(text("login").null())
        .col(text("action").not_null())
        .col(text("entity").not_null())
        .col(ColumnDef::new(name("entity_id")).big_integer().null())
        .col(text("detail").null())
        .col(text("ip").null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("audit_log", &["municipality_id", "at"], false)));
    steps.push(Step::index(index(
        "audit_log",
        &["municipality_id", "entity", "entity_id"],
        false,
    )));

    steps
}

fn timestamp(col: &str) -> ColumnDef {
    let mut c = ColumnDef::new(name(col));
    c.timestamp_with_time_zone();
    c
}

fn date(col: &str) -> ColumnDef {
    let mut c = ColumnDef::new(name(col));
    c.date();
    c
}

/// Version 2: issues (地域課題・要望・提案), their routes to departments,
/// their history, and the bigram search index.
fn v2_issues() -> Vec<Step> {
    let mut steps = Vec::new();

    let mut t = tenant_table("issues");
    reference(&mut t, "issues", "area_id", "areas", false);
    reference(&mut t, "issues", "organisation_id", "organisations", true);
    reference(&mut t, "issues", "created_by", "users", true);
    t.col(text("kind").not_null())
        .col(text("title").not_null())
        .col(text("body").not_null())
        .col(text("category").not_null())
        .col(text("priority").not_null())
        .col(text("location").null())
        .col(ColumnDef::new(name("latitude")).double().null())
        .col(ColumnDef::new(name("longitude")).double().null())
        .col(ColumnDef::new(name("fiscal_year")).integer().not_null())
        .col(text("source").not_null())
        .col(text("source_note").null())
        .col(date("received_on").not_null())
        .col(text("status").not_null())
        .col(text("responsibility").null())
        .col(text("other_body").null())
        .col(text("plan_text").null())
        .col(date("answer_due_on").null())
        .col(date("reported_on").null())
        .col(text("report_method").null())
        .col(text("report_text").null())
        .col(ColumnDef::new(name("continuing")).boolean().not_null().default(false))
        .col(timestamp("closed_at").null())
        .col(text("close_reason").null())
        .col(text("policy_reflection").null())
        .col(date("reflected_on").null())
        // Bigram tokens (kyodo_core::search), indexed by FTS5 or GIN below.
        .col(text("search_text").not_null().default(""))
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    // The default list (newest first), the same per status and per district.
    // The trailing filter columns let a filtered list and its count be read
    // from the index alone, without a row lookup per candidate.
    let filter_columns = ["status", "category", "fiscal_year", "continuing"];
    let covering = |name: &str, lead: &[&'static str]| {
        let mut cols: Vec<&str> = lead.to_vec();
        cols.extend(filter_columns.iter().filter(|c| !lead.contains(c)));
        let mut i = index("issues", &cols, false);
        i.name(format!("ix_issues_{name}"));
        Step::index(i)
    };
    steps.push(covering("by_received", &["municipality_id", "received_on", "id"]));
    steps.push(covering("by_status", &["municipality_id", "status", "received_on"]));
    steps.push(covering("by_area", &["area_id", "received_on"]));
    steps.push(Step::index(index("issues", &["organisation_id", "received_on"], false)));
    steps.push(Step::index(index(
        "issues",
        &["municipality_id", "status", "answer_due_on"],
        false,
    )));

    let mut t = tenant_table("issue_routes");
    reference(&mut t, "issue_routes", "issue_id", "issues", false);
    reference(&mut t, "issue_routes", "department_id", "departments", false);
    reference(&mut t, "issue_routes", "answered_by_user_id", "users", true);
    t.col(timestamp("routed_at").null())
        .col(date("due_on").null())
        .col(text("stance").null())
        .col(text("answer_text").null())
        .col(text("internal_note").null())
        .col(date("expected_on").null())
        .col(text("reason").null())
        .col(timestamp("answered_at").null())
        .col(text("answered_by").null())
        .col(timestamp("rerouted_at").null())
        .col(text("reroute_reason").null())
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("issue_routes", &["issue_id"], false)));
    // The department inbox: its routes, newest issue first.
    steps.push(Step::index(index(
        "issue_routes",
        &["department_id", "answered_at", "issue_id"],
        false,
    )));

    let mut t = tenant_table("issue_events");
    reference(&mut t, "issue_events", "issue_id", "issues", false);
    t.col(timestamp("at").not_null())
        .col(ColumnDef::new(name("user_id")).big_integer().null())
        .col(text("actor").null())
        .col(text("action").not_null())
        .col(text("from_status").null())
        .col(text("to_status").null())
        .col(text("note").null())
        .col(text("public_note").null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("issue_events", &["issue_id", "at"], false)));

    // Search: an external-content FTS5 table kept in step by triggers on
    // SQLite; a generated tsvector column with a GIN index on PostgreSQL. `detail=none`
    // stores rowids only: bigram AND-queries need no positions.
    steps.push(Step::raw(
        "CREATE VIRTUAL TABLE issue_fts USING fts5(search_text, content='issues', content_rowid='id', detail=none, tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")",
        // A stored column, not an expression index: rows are checked against
        // it without re-parsing, and ANALYZE gives the planner its statistics.
        "ALTER TABLE issues ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_text, ' '))) STORED",
    ));
    steps.push(Step::raw(
        "",
        "CREATE INDEX ix_issues_search ON issues USING GIN (search_vector)",
    ));
    steps.push(Step::raw(
        "CREATE TRIGGER issues_fts_insert AFTER INSERT ON issues BEGIN INSERT INTO issue_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
        "",
    ));
    steps.push(Step::raw(
        "CREATE TRIGGER issues_fts_delete AFTER DELETE ON issues BEGIN INSERT INTO issue_fts(issue_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
        "",
    ));
    steps.push(Step::raw(
        "CREATE TRIGGER issues_fts_update AFTER UPDATE OF search_text ON issues BEGIN INSERT INTO issue_fts(issue_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); INSERT INTO issue_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
        "",
    ));
    steps
}

/// Version 3: what the issue workflow needed next: the first answer's time
/// (for days to answer), answer templates, attachments, e-mail settings and
/// each user's address for the daily digest.
fn v3_issue_extras() -> Vec<Step> {
    let mut steps = Vec::new();
    let alter = Table::alter()
        .table(name("issue_routes"))
        .add_column(timestamp("first_answered_at").null())
        .to_owned();
    steps.push(Step::alter(alter));
    let backfill = "UPDATE issue_routes SET first_answered_at = answered_at";
    steps.push(Step::raw(backfill, backfill));

    // Answer templates (回答の定型文), one department's each.
    let mut t = tenant_table("answer_templates");
    reference(&mut t, "answer_templates", "department_id", "departments", false);
    t.col(text("title").not_null())
        .col(text("body").not_null())
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("answer_templates", &["department_id"], false)));

    // Photos and files (添付ファイル), kept in the database so that every
    // server sees them and a backup holds them.
    let mut t = tenant_table("issue_attachments");
    reference(&mut t, "issue_attachments", "issue_id", "issues", false);
    t.col(text("filename").not_null())
        .col(text("content_type").not_null())
        .col(ColumnDef::new(name("size")).big_integer().not_null())
        .col(ColumnDef::new(name("content")).blob().not_null())
        .col(ColumnDef::new(name("internal")).boolean().not_null().default(false))
        .col(text("uploaded_by").null())
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("issue_attachments", &["issue_id"], false)));

    // Outgoing mail (SMTP) per municipality, and the last digest day, which
    // one server claims so that several servers send it once.
    let mut t = Table::create();
    t.table(name("mail_settings"))
        .col(
            ColumnDef::new(name("municipality_id"))
                .big_integer()
                .not_null()
                .primary_key(),
        )
        .foreign_key(
            ForeignKey::create()
                .from(name("mail_settings"), name("municipality_id"))
                .to(name("municipalities"), name("id"))
                .on_delete(ForeignKeyAction::Restrict),
        )
        .col(text("host").not_null())
        .col(ColumnDef::new(name("port")).integer().not_null())
        .col(text("security").not_null())
        .col(text("username").null())
        .col(text("password").null())
        .col(text("from_address").not_null())
        .col(
            ColumnDef::new(name("digest_enabled"))
                .boolean()
                .not_null()
                .default(false),
        )
        .col(ColumnDef::new(name("digest_hour")).integer().not_null().default(7))
        .col(date("last_digest_on").null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));

    let alter = Table::alter()
        .table(name("users"))
        .add_column(text("email").null())
        .to_owned();
    steps.push(Step::alter(alter));
    steps
}

/// Version 4: the dashboard counted by indexes. Days to the first answer
/// are kept on the route (counted in Japan's calendar, which SQL cannot do
/// portably), and the counts read indexes that hold every column they need.
fn v4_dashboard_counts() -> Vec<Step> {
    let mut steps = Vec::new();
    let alter = Table::alter()
        .table(name("issue_routes"))
        .add_column(ColumnDef::new(name("first_answer_days")).big_integer().null())
        .to_owned();
    steps.push(Step::alter(alter));
    steps.push(Step::raw(
        "UPDATE issue_routes SET first_answer_days = CAST(julianday(date(first_answered_at, '+9 hours')) - julianday(date(routed_at, '+9 hours')) AS INTEGER) WHERE first_answered_at IS NOT NULL AND routed_at IS NOT NULL",
        "UPDATE issue_routes SET first_answer_days = (first_answered_at AT TIME ZONE 'Asia/Tokyo')::date - (routed_at AT TIME ZONE 'Asia/Tokyo')::date WHERE first_answered_at IS NOT NULL AND routed_at IS NOT NULL",
    ));
    // What waits (first_answered_at IS NULL) and what was answered in a year.
    steps.push(Step::index(index(
        "issue_routes",
        &[
            "municipality_id",
            "first_answered_at",
            "department_id",
            "first_answer_days",
        ],
        false,
    )));
    // A year's intake per district and per category.
    steps.push(Step::index(index(
        "issues",
        &["municipality_id", "fiscal_year", "area_id", "category", "status"],
        false,
    )));
    // Continuing open issues (進捗回答), few among many.
    steps.push(Step::index(index(
        "issues",
        &["municipality_id", "continuing", "status"],
        false,
    )));
    // The overdue list's index, widened so that what is open per district
    // is counted from it alone.
    steps.push(Step::raw(
        "DROP INDEX ix_issues_municipality_id_status_answer_due_on",
        "DROP INDEX ix_issues_municipality_id_status_answer_due_on",
    ));
    steps.push(Step::index(index(
        "issues",
        &["municipality_id", "status", "answer_due_on", "area_id", "continuing"],
        false,
    )));
    steps
}

/// Version 5: appointments as the coordinator records them: the 辞令's
/// date and appointer, the reason for an early end, and the term a
/// replacement finishes.
fn v5_appointments() -> Vec<Step> {
    let mut steps = Vec::new();
    // SQLite adds one column per statement.
    for column in [
        date("appointed_on").null().to_owned(),
        text("appointed_by").null().to_owned(),
        text("end_note").null().to_owned(),
        ColumnDef::new(name("replaces_id")).big_integer().null().to_owned(),
        text("note").null().to_owned(),
    ] {
        steps.push(Step::alter(
            Table::alter().table(name("appointments")).add_column(column).to_owned(),
        ));
    }
    // A unit's team over time, and each year's ending terms.
    steps.push(Step::index(index(
        "appointments",
        &["municipality_id", "planned_end_on"],
        false,
    )));
    steps
}

/// Version 6: the liaison team at work: meetings and who attended, the
/// issues raised in them, the activity log with its monthly totals, and
/// handovers with their ticked checklist.
fn v6_team_work() -> Vec<Step> {
    let mut steps = Vec::new();

    let mut t = tenant_table("meetings");
    reference(&mut t, "meetings", "area_id", "areas", false);
    reference(&mut t, "meetings", "organisation_id", "organisations", true);
    reference(&mut t, "meetings", "main_meeting_id", "meetings", true);
    reference(&mut t, "meetings", "created_by", "users", true);
    t.col(text("kind").not_null())
        .col(text("title").not_null())
        .col(date("held_on").not_null())
        .col(text("start_time").null())
        .col(text("end_time").null())
        .col(text("place").null())
        .col(ColumnDef::new(name("public")).boolean().not_null().default(false))
        .col(
            ColumnDef::new(name("observers_allowed"))
                .boolean()
                .not_null()
                .default(false),
        )
        .col(text("minutes").null())
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("meetings", &["municipality_id", "held_on"], false)));
    steps.push(Step::index(index("meetings", &["area_id", "held_on"], false)));
    steps.push(Step::index(index("meetings", &["organisation_id", "held_on"], false)));
    steps.push(Step::index(index("meetings", &["main_meeting_id"], false)));

    let mut t = Table::create();
    t.table(name("meeting_staff"))
        .col(ColumnDef::new(name("meeting_id")).big_integer().not_null())
        .col(ColumnDef::new(name("staff_id")).big_integer().not_null())
        .primary_key(Index::create().col(name("meeting_id")).col(name("staff_id")))
        .foreign_key(
            ForeignKey::create()
                .from(name("meeting_staff"), name("meeting_id"))
                .to(name("meetings"), name("id"))
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .from(name("meeting_staff"), name("staff_id"))
                .to(name("staff"), name("id"))
                .on_delete(ForeignKeyAction::Restrict),
        );
    steps.push(Step::table(t));
    steps.push(Step::index(index("meeting_staff", &["staff_id"], false)));

    steps.push(Step::alter(
        Table::alter()
            .table(name("issues"))
            .add_column(ColumnDef::new(name("meeting_id")).big_integer().null())
            .to_owned(),
    ));
    steps.push(Step::index(index("issues", &["meeting_id"], false)));

    let mut t = tenant_table("activities");
    reference(&mut t, "activities", "staff_id", "staff", false);
    reference(&mut t, "activities", "area_id", "areas", false);
    reference(&mut t, "activities", "meeting_id", "meetings", true);
    reference(&mut t, "activities", "issue_id", "issues", true);
    t.col(date("done_on").not_null())
        .col(text("duty_type").not_null())
        .col(ColumnDef::new(name("minutes")).big_integer().not_null())
        .col(ColumnDef::new(name("out_of_hours")).boolean().not_null().default(false))
        .col(text("compensation").null())
        .col(ColumnDef::new(name("official_car")).boolean().not_null().default(false))
        .col(text("note").null())
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("activities", &["staff_id", "done_on"], false)));
    steps.push(Step::index(index("activities", &["area_id", "done_on"], false)));
    steps.push(Step::index(index("activities", &["municipality_id", "done_on"], false)));
    steps.push(Step::index(index("activities", &["meeting_id"], false)));
    steps.push(Step::index(index("activities", &["issue_id"], false)));

    // Monthly and yearly totals, kept in the transaction of each entry's
    // write, so the workload pages read thousands of rows instead of
    // millions; a 年度 across 2,000 staff is 10,000 yearly rows.
    steps.extend(totals_table("activity_months", "month"));
    steps.extend(totals_table("activity_years", "fiscal_year"));
    // A district's months (a team's report, a handover's dossier).
    steps.push(Step::index(index(
        "activity_months",
        &[
            "area_id",
            "month",
            "staff_id",
            "duty_type",
            "minutes",
            "out_of_hours_minutes",
            "entries",
        ],
        false,
    )));

    let mut t = tenant_table("handovers");
    reference(&mut t, "handovers", "area_id", "areas", false);
    reference(&mut t, "handovers", "predecessor_appointment_id", "appointments", false);
    reference(&mut t, "handovers", "successor_appointment_id", "appointments", false);
    t.col(text("note").null())
        .col(timestamp("predecessor_signed_at").null())
        .col(timestamp("successor_signed_at").null())
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("handovers", &["successor_appointment_id"], true)));
    steps.push(Step::index(index("handovers", &["predecessor_appointment_id"], false)));
    steps.push(Step::index(index(
        "handovers",
        &["municipality_id", "successor_signed_at"],
        false,
    )));

    let mut t = Table::create();
    t.table(name("handover_ticks"))
        .col(
            ColumnDef::new(name("id"))
                .big_integer()
                .not_null()
                .auto_increment()
                .primary_key(),
        )
        .col(text("kind").not_null())
        .col(ColumnDef::new(name("ref_id")).big_integer().not_null())
        .col(date("done_on").not_null())
        .col(text("done_by").null())
        .col(text("note").null())
        .col(timestamp("created_at").not_null());
    reference(&mut t, "handover_ticks", "handover_id", "handovers", false);
    steps.push(Step::table(t));
    steps.push(Step::index(index(
        "handover_ticks",
        &["handover_id", "kind", "ref_id"],
        true,
    )));
    steps
}

/// A table of activity totals per staff member, district, `period` and
/// duty type, with an index that reads one period across the municipality.
fn totals_table(table: &str, period: &str) -> Vec<Step> {
    let mut t = Table::create();
    t.table(name(table))
        .col(ColumnDef::new(name("municipality_id")).big_integer().not_null())
        .col(ColumnDef::new(name("staff_id")).big_integer().not_null())
        .col(ColumnDef::new(name("area_id")).big_integer().not_null())
        .col(ColumnDef::new(name(period)).integer().not_null())
        .col(text("duty_type").not_null())
        .col(ColumnDef::new(name("minutes")).big_integer().not_null())
        .col(ColumnDef::new(name("out_of_hours_minutes")).big_integer().not_null())
        .col(ColumnDef::new(name("entries")).big_integer().not_null())
        .primary_key(
            Index::create()
                .col(name("staff_id"))
                .col(name(period))
                .col(name("area_id"))
                .col(name("duty_type")),
        );
    let sums = ["minutes", "out_of_hours_minutes", "entries"];
    let covering: Vec<&str> = ["municipality_id", period, "staff_id", "area_id", "duty_type"]
        .into_iter()
        .chain(sums)
        .collect();
    vec![Step::table(t), Step::index(index(table, &covering, false))]
}

struct Migration {
    version: i64,
    name: &'static str,
    steps: fn() -> Vec<Step>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        steps: v1_foundation,
    },
    Migration {
        version: 2,
        name: "issues",
        steps: v2_issues,
    },
    Migration {
        version: 3,
        name: "issue_extras",
        steps: v3_issue_extras,
    },
    Migration {
        version: 4,
        name: "dashboard_counts",
        steps: v4_dashboard_counts,
    },
    Migration {
        version: 5,
        name: "appointments",
        steps: v5_appointments,
    },
    Migration {
        version: 6,
        name: "team_work",
        steps: v6_team_work,
    },
    Migration {
        version: 7,
        name: "rotation_plans",
        steps: v7_rotation_plans,
    },
    Migration {
        version: 8,
        name: "same_hands",
        steps: v8_same_hands,
    },
    Migration {
        version: 9,
        name: "privileged_grants",
        steps: v9_privileged_grants,
    },
    Migration {
        version: 10,
        name: "import_runs",
        steps: v10_import_runs,
    },
    Migration {
        version: 11,
        name: "search_key_versions",
        steps: v11_search_key_versions,
    },
    Migration {
        version: 12,
        name: "search_index_no_pending_list",
        steps: v12_search_index_no_pending_list,
    },
    Migration {
        version: 13,
        name: "department_issues",
        steps: v13_department_issues,
    },
    Migration {
        version: 14,
        name: "named_search_index",
        steps: v14_named_search_index,
    },
    Migration {
        version: 15,
        name: "dashboard_year_index",
        steps: v15_dashboard_year_index,
    },
    Migration {
        version: 16,
        name: "dashboard_cells",
        steps: v16_dashboard_cells,
    },
    Migration {
        version: 17,
        name: "open_issue_and_audit_indexes",
        steps: v17_open_issue_and_audit_indexes,
    },
    Migration {
        version: 18,
        name: "establishment",
        steps: v18_establishment,
    },
    Migration {
        version: 19,
        name: "plans",
        steps: v19_plans,
    },
    Migration {
        version: 20,
        name: "evacuation_support_and_project_columns",
        steps: v20_evacuation_support_and_project_columns,
    },
    Migration {
        version: 21,
        name: "application_files",
        steps: v21_application_files,
    },
    Migration {
        version: 22,
        name: "grant_schemes",
        steps: v22_grant_schemes,
    },
    Migration {
        version: 23,
        name: "grants",
        steps: v23_grants,
    },
    Migration {
        version: 24,
        name: "events",
        steps: v24_events,
    },
    Migration {
        version: 25,
        name: "case_studies",
        steps: v25_case_studies,
    },
    Migration {
        version: 26,
        name: "annual_calendars",
        steps: v26_annual_calendars,
    },
    Migration {
        version: 27,
        name: "plan_publication",
        steps: v27_plan_publication,
    },
    Migration {
        version: 28,
        name: "case_study_photos",
        steps: v28_case_study_photos,
    },
];

/// Version 28: a case study's photos, copies of its issue's image files
/// without the camera's metadata (GPS position, device, names).
fn v28_case_study_photos() -> Vec<Step> {
    let mut t = tenant_table("case_study_photos");
    reference(&mut t, "case_study_photos", "case_study_id", "case_studies", false);
    reference(&mut t, "case_study_photos", "attachment_id", "issue_attachments", false);
    t.col(text("content_type").not_null())
        .col(ColumnDef::new(name("size")).big_integer().not_null())
        .col(ColumnDef::new(name("content")).blob().not_null())
        .col(timestamp("created_at").not_null());
    vec![
        Step::table(t),
        Step::index(index("case_study_photos", &["case_study_id", "id"], false)),
        Step::index(index("case_study_photos", &["attachment_id"], false)),
    ]
}

/// Version 27: a body may publish its adopted plan and its progress (公開).
fn v27_plan_publication() -> Vec<Step> {
    vec![Step::alter(
        Table::alter()
            .table(name("plans"))
            .add_column(
                ColumnDef::new(name("public"))
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
            )
            .to_owned(),
    )]
}

/// Version 26: the printed 年間行事カレンダー of a district or a body for a
/// 年度, and its advertisement boxes (広告枠) with their fees.
fn v26_annual_calendars() -> Vec<Step> {
    let mut t = tenant_table("annual_calendars");
    reference(&mut t, "annual_calendars", "area_id", "areas", true);
    reference(&mut t, "annual_calendars", "organisation_id", "organisations", true);
    reference(&mut t, "annual_calendars", "created_by", "users", true);
    t.col(ColumnDef::new(name("fiscal_year")).integer().not_null())
        .col(text("title").not_null())
        .col(date("entry_deadline").null())
        .col(text("contact_points").null())
        .col(text("status").not_null())
        .col(date("published_on").null())
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    let mut ads = tenant_table("calendar_adverts");
    reference(&mut ads, "calendar_adverts", "calendar_id", "annual_calendars", false);
    ads.col(text("sponsor").not_null())
        .col(text("text").null())
        .col(ColumnDef::new(name("fee")).big_integer().not_null().default(0))
        .col(timestamp("created_at").not_null());
    vec![
        Step::table(t),
        Step::index(index(
            "annual_calendars",
            &["municipality_id", "fiscal_year", "id"],
            false,
        )),
        Step::index(index("annual_calendars", &["area_id", "fiscal_year"], false)),
        Step::index(index("annual_calendars", &["organisation_id", "fiscal_year"], false)),
        Step::table(ads),
        Step::index(index("calendar_adverts", &["calendar_id", "id"], false)),
    ]
}

/// Version 25: case studies (事例集), published on the public site and
/// shared with the deployment's other municipalities, searched through the
/// bigram index (their own municipality's tokens, and the shared library's
/// while shared); an organisation may publish a contact point.
fn v25_case_studies() -> Vec<Step> {
    let mut t = tenant_table("case_studies");
    reference(&mut t, "case_studies", "area_id", "areas", false);
    reference(&mut t, "case_studies", "created_by", "users", true);
    t.col(text("source").null())
        .col(ColumnDef::new(name("source_id")).big_integer().null())
        .col(text("title").not_null())
        .col(text("theme").not_null())
        .col(text("problem").not_null())
        .col(text("community_action").null())
        .col(text("city_action").null())
        .col(text("result").null())
        .col(text("roles").null())
        .col(
            ColumnDef::new(name("names_consented"))
                .boolean()
                .not_null()
                .default(false),
        )
        .col(ColumnDef::new(name("published")).boolean().not_null().default(false))
        .col(date("published_on").null())
        .col(ColumnDef::new(name("shared")).boolean().not_null().default(false))
        .col(text("search_tokens").null())
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    let mut steps = vec![Step::table(t)];
    // The staff list, the public list and a district's page read newest first from these.
    steps.push(Step::index(index("case_studies", &["municipality_id", "id"], false)));
    steps.push(Step::index(index(
        "case_studies",
        &["municipality_id", "published", "published_on", "id"],
        false,
    )));
    steps.push(Step::index(index(
        "case_studies",
        &["area_id", "published", "id"],
        false,
    )));
    steps.push(Step::index(index("case_studies", &["shared", "id"], false)));
    steps.extend(search_index("case_studies"));
    // The contact point an organisation publishes (公開する問い合わせ窓口).
    let contact = "ALTER TABLE organisations ADD COLUMN public_contact TEXT";
    steps.push(Step::raw(contact, contact));
    steps
}

/// Version 24: the community calendar (行事予定) with what iCal needs to
/// follow a change (sequence, status); an issue's report may be published;
/// a meeting open to observers (傍聴可) is announced, and the public
/// meetings recorded so far enter the calendar. A municipality counts the
/// changes to what its public site shows, so that every server's cache of
/// public pages knows when it went stale.
fn v24_events() -> Vec<Step> {
    let mut steps = Vec::new();
    steps.push(Step::alter(
        Table::alter()
            .table(name("municipalities"))
            .add_column(
                ColumnDef::new(name("public_version"))
                    .big_integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
            )
            .to_owned(),
    ));
    let mut t = tenant_table("events");
    reference(&mut t, "events", "area_id", "areas", false);
    reference(&mut t, "events", "organisation_id", "organisations", true);
    reference(&mut t, "events", "meeting_id", "meetings", true);
    reference(&mut t, "events", "created_by", "users", true);
    t.col(text("kind").not_null())
        .col(text("title").not_null())
        .col(text("description").null())
        .col(date("starts_on").not_null())
        .col(date("ends_on").null())
        .col(text("start_time").null())
        .col(text("end_time").null())
        .col(text("place").null())
        .col(text("admission").not_null())
        .col(ColumnDef::new(name("public")).boolean().not_null().default(false))
        .col(text("contact").null())
        .col(text("status").not_null())
        .col(ColumnDef::new(name("sequence")).big_integer().not_null().default(0))
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    // Each calendar (the municipality's public one, a district's, a body's)
    // reads a date range in order from its own index.
    steps.push(Step::index(index(
        "events",
        &["municipality_id", "public", "starts_on", "id"],
        false,
    )));
    steps.push(Step::index(index("events", &["area_id", "starts_on", "id"], false)));
    steps.push(Step::index(index(
        "events",
        &["organisation_id", "starts_on", "id"],
        false,
    )));
    steps.push(Step::index(index("events", &["meeting_id"], true)));

    steps.push(Step::alter(
        Table::alter()
            .table(name("issues"))
            .add_column(
                ColumnDef::new(name("report_public"))
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
            )
            .to_owned(),
    ));
    steps.push(Step::index(index(
        "issues",
        &["report_public", "municipality_id", "reported_on", "id"],
        false,
    )));
    steps.push(Step::index(index(
        "issues",
        &["report_public", "area_id", "reported_on", "id"],
        false,
    )));

    let fix = "UPDATE meetings SET public = TRUE WHERE observers_allowed = TRUE";
    steps.push(Step::raw(fix, fix));
    let backfill = "INSERT INTO events (municipality_id, area_id, organisation_id, meeting_id, created_by, kind, \
        title, starts_on, start_time, end_time, place, admission, public, status, sequence, version, created_at, \
        updated_at) SELECT municipality_id, area_id, organisation_id, id, created_by, 'meeting', title, held_on, \
        start_time, end_time, place, CASE WHEN observers_allowed = TRUE THEN 'observers' ELSE 'members' END, TRUE, \
        'scheduled', 0, 1, created_at, updated_at FROM meetings WHERE public = TRUE";
    steps.push(Step::raw(backfill, backfill));
    steps
}

/// Version 23: each organisation's grant for a 年度 with its sums kept (申請額,
/// 決定額, 支払済み, 返還, 繰越), every step of its procedure, and the expenses
/// (支出) with their receipts; the schemes gain their procedure's rules.
fn v23_grants() -> Vec<Step> {
    let mut steps = Vec::new();
    steps.push(Step::alter(
        Table::alter()
            .table(name("grant_schemes"))
            .add_column(text("rules").not_null().default("{}").to_owned())
            .to_owned(),
    ));
    let money = |column: &str| ColumnDef::new(name(column)).big_integer().null().to_owned();
    let kept = |column: &str| {
        ColumnDef::new(name(column))
            .big_integer()
            .not_null()
            .default(0)
            .to_owned()
    };
    let mut t = tenant_table("grants");
    reference(&mut t, "grants", "organisation_id", "organisations", false);
    reference(&mut t, "grants", "scheme_id", "grant_schemes", false);
    t.col(ColumnDef::new(name("fiscal_year")).integer().not_null())
        .col(text("status").not_null())
        .col(money("requested"))
        .col(money("decided"))
        .col(money("fixed"))
        .col(kept("paid"))
        .col(kept("refunded"))
        .col(kept("carried"))
        .col(date("refund_due").null())
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    // One grant per body and 年度; the year's overview reads by (municipality, 年度).
    steps.push(Step::index(index("grants", &["organisation_id", "fiscal_year"], true)));
    steps.push(Step::index(index(
        "grants",
        &["municipality_id", "fiscal_year", "id"],
        false,
    )));

    let mut t = tenant_table("grant_steps");
    reference(&mut t, "grant_steps", "grant_id", "grants", false);
    t.col(text("action").not_null())
        .col(date("on_date").not_null())
        .col(money("amount"))
        .col(text("number").null())
        .col(text("note").null())
        .col(date("due").null())
        .col(text("budget").not_null().default("[]"))
        .col(text("statement").not_null().default("[]"))
        .col(text("actor_name").null())
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("grant_steps", &["grant_id", "id"], false)));

    let mut t = tenant_table("grant_expenses");
    reference(&mut t, "grant_expenses", "grant_id", "grants", false);
    t.col(date("spent_on").not_null())
        .col(ColumnDef::new(name("project_id")).big_integer().null())
        .col(text("item").not_null())
        .col(ColumnDef::new(name("amount")).big_integer().not_null())
        .col(text("payee").not_null())
        .col(text("note").null())
        .col(text("receipt_name").null())
        .col(text("receipt_type").null())
        .col(ColumnDef::new(name("receipt")).blob().null())
        .col(text("created_by").null())
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index(
        "grant_expenses",
        &["grant_id", "spent_on", "id"],
        false,
    )));
    steps
}

/// Version 22: the block grant's schemes (算定式 per 年度, as JSON the core
/// reads), the areas' figures per reference date (人口・世帯数・面積, kept per
/// date so a past year's calculation runs again); a scheme keeps the
/// organisations that employ office staff that year (事務局人件費の加算).
fn v22_grant_schemes() -> Vec<Step> {
    let mut steps = Vec::new();
    let mut t = tenant_table("area_figures");
    reference(&mut t, "area_figures", "area_id", "areas", false);
    t.col(date("as_of").not_null())
        .col(ColumnDef::new(name("population")).big_integer().not_null())
        .col(ColumnDef::new(name("households")).big_integer().not_null())
        .col(ColumnDef::new(name("area_centi_km2")).big_integer().not_null())
        .col(ColumnDef::new(name("elderly")).big_integer().not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("area_figures", &["area_id", "as_of"], true)));
    steps.push(Step::index(index("area_figures", &["municipality_id", "as_of"], false)));

    let mut t = tenant_table("grant_schemes");
    t.col(ColumnDef::new(name("fiscal_year")).integer().not_null())
        .col(text("name").not_null())
        .col(date("reference_date").not_null())
        .col(text("formula").not_null())
        .col(text("staffed").not_null().default("[]"))
        .col(text("note").null())
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index(
        "grant_schemes",
        &["municipality_id", "fiscal_year", "name"],
        true,
    )));
    steps
}

/// Version 21: the documents attached to a recognition application
/// (申請書類), kept in the database like an issue's files; `applied_on`
/// marks those an application was made with, which stay.
fn v21_application_files() -> Vec<Step> {
    let mut t = tenant_table("application_files");
    reference(&mut t, "application_files", "organisation_id", "organisations", false);
    t.col(text("kind").not_null())
        .col(text("filename").not_null())
        .col(text("content_type").not_null())
        .col(ColumnDef::new(name("size")).big_integer().not_null())
        .col(ColumnDef::new(name("content")).blob().not_null())
        .col(date("applied_on").null())
        .col(text("uploaded_by").null())
        .col(timestamp("created_at").not_null());
    vec![
        Step::table(t),
        Step::index(index("application_files", &["organisation_id", "id"], false)),
    ]
}

/// Version 20: residents needing help to evacuate (避難行動要支援者) with
/// their 個別避難計画 and the officers named to read a body's register; each
/// project's 交付金 kept beside its budget total, so the 年度 summary sums
/// columns instead of reading every project's budget lines; the department
/// a project works with (関係部署) and the indicators it moves.
fn v20_evacuation_support_and_project_columns() -> Vec<Step> {
    let mut steps = Vec::new();
    let mut t = tenant_table("supported_residents");
    reference(&mut t, "supported_residents", "organisation_id", "organisations", false);
    t.col(text("name").not_null())
        .col(text("name_kana").null())
        .col(text("address").not_null())
        .col(text("phone").null())
        .col(text("needs").not_null())
        .col(date("consent_on").not_null())
        .col(text("supporters").null())
        .col(text("destination").null())
        .col(text("method").null())
        .col(date("plan_made_on").null())
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index(
        "supported_residents",
        &["organisation_id", "id"],
        false,
    )));

    let mut t = tenant_table("register_readers");
    reference(&mut t, "register_readers", "organisation_id", "organisations", false);
    reference(&mut t, "register_readers", "user_id", "users", false);
    t.col(text("officer_role").not_null())
        .col(date("named_on").not_null())
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index(
        "register_readers",
        &["organisation_id", "user_id"],
        true,
    )));

    steps.push(Step::alter(
        Table::alter()
            .table(name("plan_projects"))
            .add_column(ColumnDef::new(name("grant_total")).big_integer().not_null().default(0))
            .to_owned(),
    ));
    let department =
        |id: &str| format!("ALTER TABLE plan_projects ADD COLUMN department_id {id} NULL REFERENCES departments(id)");
    steps.push(Step::raw(&department("INTEGER"), &department("BIGINT")));
    steps.push(Step::alter(
        Table::alter()
            .table(name("plan_projects"))
            .add_column(text("indicators").not_null().default("[]").to_owned())
            .to_owned(),
    ));
    // A department's plans: those with a project naming it.
    steps.push(Step::index(index(
        "plan_projects",
        &["department_id", "plan_id"],
        false,
    )));
    steps.push(Step::raw(
        "UPDATE plan_projects SET grant_total = (SELECT COALESCE(SUM(json_extract(value, '$.amount')), 0) \
         FROM json_each(plan_projects.budget) WHERE json_extract(value, '$.source') = 'grant')",
        "UPDATE plan_projects SET grant_total = (SELECT COALESCE(SUM((line->>'amount')::bigint), 0) \
         FROM json_array_elements(plan_projects.budget::json) AS line WHERE line->>'source' = 'grant')",
    ));
    steps
}

/// Version 19: plans (将来計画・年度計画・地区防災計画), their projects with
/// budget lines (JSON) and kept totals, revisions of adopted plans, advice.
fn v19_plans() -> Vec<Step> {
    let mut steps = Vec::new();
    let mut t = tenant_table("plans");
    reference(&mut t, "plans", "organisation_id", "organisations", false);
    t.col(text("kind").not_null())
        .col(text("title").not_null())
        .col(ColumnDef::new(name("first_year")).integer().not_null())
        .col(ColumnDef::new(name("last_year")).integer().not_null())
        .col(text("text").not_null())
        .col(date("adopted_on").null())
        .col(text("adopted_by").null())
        .col(timestamp("locked_at").null())
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index(
        "plans",
        &["organisation_id", "kind", "first_year"],
        false,
    )));
    // The coordinator's 年度 summary and the plan list: a city's plans of a kind by 年度.
    steps.push(Step::index(index(
        "plans",
        &["municipality_id", "kind", "first_year", "last_year", "id"],
        false,
    )));

    let mut t = tenant_table("plan_projects");
    reference(&mut t, "plan_projects", "plan_id", "plans", false);
    t.col(text("name").not_null())
        .col(text("theme").null())
        .col(text("purpose").null())
        .col(text("months").not_null())
        .col(text("responsible").null())
        .col(text("budget").not_null())
        .col(ColumnDef::new(name("budget_total")).big_integer().not_null().default(0))
        .col(text("status").not_null())
        .col(text("outcome").null())
        .col(ColumnDef::new(name("participants")).big_integer().null())
        .col(ColumnDef::new(name("version")).big_integer().not_null().default(1))
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("plan_projects", &["plan_id", "id"], false)));

    let mut t = tenant_table("plan_revisions");
    reference(&mut t, "plan_revisions", "plan_id", "plans", false);
    t.col(ColumnDef::new(name("version")).big_integer().not_null())
        .col(text("changes").not_null())
        .col(text("reason").null())
        .col(text("actor_name").null())
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("plan_revisions", &["plan_id", "id"], false)));

    let mut t = tenant_table("plan_comments");
    reference(&mut t, "plan_comments", "plan_id", "plans", false);
    reference(&mut t, "plan_comments", "project_id", "plan_projects", true);
    t.col(text("body").not_null())
        .col(text("actor_name").null())
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("plan_comments", &["plan_id", "id"], false)));
    steps
}

/// Version 18: an organisation's way to becoming a 地域運営組織: its dated
/// records (記録), stage moves, area (区域: an area belongs to at most one
/// active body, kept by a partial unique index), the inventory of the
/// area's existing groups, and the city's recognition (認可) with its steps.
fn v18_establishment() -> Vec<Step> {
    let mut steps = Vec::new();
    for col in [
        text("recognition").not_null().default("none").to_owned(),
        text("recognition_number").null().to_owned(),
    ] {
        steps.push(Step::alter(
            Table::alter().table(name("organisations")).add_column(col).to_owned(),
        ));
    }
    let successor =
        |id: &str| format!("ALTER TABLE organisations ADD COLUMN successor_id {id} NULL REFERENCES organisations(id)");
    steps.push(Step::raw(&successor("INTEGER"), &successor("BIGINT")));

    let mut t = tenant_table("establishment_records");
    reference(
        &mut t,
        "establishment_records",
        "organisation_id",
        "organisations",
        false,
    );
    t.col(text("kind").not_null())
        .col(date("held_on").not_null())
        .col(text("note").null())
        .col(text("recorded_by").null())
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index(
        "establishment_records",
        &["organisation_id", "held_on"],
        false,
    )));

    let mut t = tenant_table("stage_events");
    reference(&mut t, "stage_events", "organisation_id", "organisations", false);
    t.col(text("from_stage").null())
        .col(text("to_stage").not_null())
        .col(text("reason").null())
        .col(text("actor_name").null())
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("stage_events", &["organisation_id", "id"], false)));

    let mut t = tenant_table("organisation_areas");
    reference(&mut t, "organisation_areas", "organisation_id", "organisations", false);
    reference(&mut t, "organisation_areas", "area_id", "areas", false);
    t.col(ColumnDef::new(name("active")).boolean().not_null().default(true))
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index(
        "organisation_areas",
        &["organisation_id", "area_id"],
        true,
    )));
    let held = "CREATE UNIQUE INDEX ix_organisation_areas_held ON organisation_areas (area_id) WHERE active";
    steps.push(Step::raw(held, held));

    let mut t = tenant_table("existing_groups");
    reference(&mut t, "existing_groups", "organisation_id", "organisations", false);
    reference(
        &mut t,
        "existing_groups",
        "source_organisation_id",
        "organisations",
        true,
    );
    t.col(text("name").not_null())
        .col(text("group_kind").null())
        .col(text("role").null())
        .col(text("disposition").not_null())
        .col(date("decided_on").null())
        .col(ColumnDef::new(name("is_parent")).boolean().not_null().default(false))
        .col(timestamp("merged_at").null())
        .col(timestamp("created_at").not_null())
        .col(timestamp("updated_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index("existing_groups", &["organisation_id"], false)));

    let mut t = tenant_table("recognition_events");
    reference(&mut t, "recognition_events", "organisation_id", "organisations", false);
    t.col(text("action").not_null())
        .col(date("on_date").null())
        .col(text("number").null())
        .col(text("comment").null())
        .col(text("application").null())
        .col(text("actor_name").null())
        .col(timestamp("created_at").not_null());
    steps.push(Step::table(t));
    steps.push(Step::index(index(
        "recognition_events",
        &["organisation_id", "id"],
        false,
    )));
    // The coordinator's queue: applications waiting, per city.
    steps.push(Step::index(index(
        "organisations",
        &["municipality_id", "recognition"],
        false,
    )));
    steps
}

/// Version 17: the issues still open, a few hundred in a city's ten years,
/// indexed apart (partial indexes), so that an open list, its count and the
/// progress answers owed read those and not a district's whole history.
/// The lists state `status <> 'closed'` as a literal (see `issues::still_open`).
/// And the audit log's newest entries per municipality, the order its page
/// is read in, without walking other cities' entries.
fn v17_open_issue_and_audit_indexes() -> Vec<Step> {
    let open = format!("status <> '{}'", kyodo_core::issues::IssueStatus::Closed.key());
    let by_received = format!(
        "CREATE INDEX ix_issues_open_by_received ON issues (municipality_id, received_on, id, area_id, continuing, status) WHERE {open}"
    );
    let by_area = format!(
        "CREATE INDEX ix_issues_open_by_area ON issues (area_id, received_on, id, municipality_id, status) WHERE {open}"
    );
    let audit = "CREATE INDEX ix_audit_log_municipality_id_id ON audit_log (municipality_id, id)";
    vec![
        Step::raw(&by_received, &by_received),
        Step::raw(&by_area, &by_area),
        Step::raw(audit, audit),
    ]
}

/// Version 15: the dashboard's year per district (received, closed, taken
/// by the same hands) read from the index alone; `same_hands` was not in
/// it, so each of the year's issues was read from the table.
fn v15_dashboard_year_index() -> Vec<Step> {
    let drop = "DROP INDEX ix_issues_municipality_id_fiscal_year_area_id_category_status";
    vec![
        Step::raw(drop, drop),
        Step::index(index(
            "issues",
            &[
                "municipality_id",
                "fiscal_year",
                "area_id",
                "category",
                "status",
                "same_hands",
            ],
            false,
        )),
    ]
}

/// Version 16: the dashboard's counts, kept per 年度 (see
/// `issues::dashboard_cells`), filled from the issues and routes there are.
/// `department_id` 0 counts every issue and `area_id` 0 every district's
/// answers, so those columns reference nothing.
fn v16_dashboard_cells() -> Vec<Step> {
    let tables = |id: &str| {
        [
            format!(
                "CREATE TABLE issue_year_counts (\
                 municipality_id {id} NOT NULL REFERENCES municipalities(id), \
                 department_id {id} NOT NULL, \
                 fiscal_year INTEGER NOT NULL, \
                 area_id {id} NOT NULL REFERENCES areas(id), \
                 category TEXT NOT NULL, \
                 received BIGINT NOT NULL, \
                 closed BIGINT NOT NULL, \
                 same_hands BIGINT NOT NULL, \
                 PRIMARY KEY (municipality_id, department_id, fiscal_year, area_id, category))"
            ),
            format!(
                "CREATE TABLE issue_open_counts (\
                 municipality_id {id} NOT NULL REFERENCES municipalities(id), \
                 department_id {id} NOT NULL, \
                 area_id {id} NOT NULL REFERENCES areas(id), \
                 open BIGINT NOT NULL, \
                 continuing BIGINT NOT NULL, \
                 PRIMARY KEY (municipality_id, department_id, area_id))"
            ),
            format!(
                "CREATE TABLE answer_day_counts (\
                 municipality_id {id} NOT NULL REFERENCES municipalities(id), \
                 fiscal_year INTEGER NOT NULL, \
                 department_id {id} NOT NULL REFERENCES departments(id), \
                 area_id {id} NOT NULL, \
                 days BIGINT NOT NULL, \
                 answered BIGINT NOT NULL, \
                 PRIMARY KEY (municipality_id, fiscal_year, area_id, department_id, days))"
            ),
        ]
    };
    let mut steps: Vec<Step> = tables("INTEGER")
        .iter()
        .zip(tables("BIGINT").iter())
        .map(|(lite, pg)| Step::raw(lite, pg))
        .collect();
    let lite = crate::issues::dashboard_cells::rebuild_sql(Backend::Sqlite);
    let pg = crate::issues::dashboard_cells::rebuild_sql(Backend::Postgres);
    steps.extend(lite.iter().zip(&pg).map(|(l, p)| Step::raw(l, p)));
    steps
}

/// Version 14: staff and organisations searched through a bigram index as
/// issues are (`search_tokens`, see `common::ListSpec::indexed`); the tokens
/// of existing rows are filled after the migration (`search_keys`).
fn v14_named_search_index() -> Vec<Step> {
    let mut steps = Vec::new();
    for table in ["staff", "organisations"] {
        let add = format!("ALTER TABLE {table} ADD COLUMN search_tokens TEXT");
        steps.push(Step::raw(&add, &add));
        steps.extend(search_index(table));
    }
    steps
}

/// The bigram index over a table's `search_tokens`: an FTS5 table kept by
/// triggers on SQLite, a generated tsvector with a GIN index on PostgreSQL.
fn search_index(table: &str) -> Vec<Step> {
    vec![
        Step::raw(
            &format!(
                "CREATE VIRTUAL TABLE {table}_fts USING fts5(search_tokens, content='{table}', content_rowid='id', detail=none, tokenize=\"unicode61 remove_diacritics 0 tokenchars '_'\")"
            ),
            &format!(
                "ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_tokens, ' '))) STORED"
            ),
        ),
        Step::raw(
            &format!(
                "CREATE TRIGGER {table}_fts_insert AFTER INSERT ON {table} BEGIN INSERT INTO {table}_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END"
            ),
            &format!("CREATE INDEX ix_{table}_search ON {table} USING GIN (search_vector) WITH (fastupdate = off)"),
        ),
        Step::raw(
            &format!(
                "CREATE TRIGGER {table}_fts_delete AFTER DELETE ON {table} BEGIN INSERT INTO {table}_fts({table}_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); END"
            ),
            "",
        ),
        Step::raw(
            &format!(
                "CREATE TRIGGER {table}_fts_update AFTER UPDATE OF search_tokens ON {table} BEGIN INSERT INTO {table}_fts({table}_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); INSERT INTO {table}_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END"
            ),
            "",
        ),
    ]
}

/// Version 13: the departments' issue lists, kept (see
/// `issues::department_index`), filled from the routes already sent.
fn v13_department_issues() -> Vec<Step> {
    let columns = |id: &str, boolean: &str| {
        format!(
            "CREATE TABLE department_issues (\
             municipality_id {id} NOT NULL REFERENCES municipalities(id), \
             department_id {id} NOT NULL REFERENCES departments(id), \
             issue_id {id} NOT NULL REFERENCES issues(id) ON DELETE CASCADE, \
             received_on DATE NOT NULL, \
             pending {boolean} NOT NULL, \
             PRIMARY KEY (department_id, issue_id))"
        )
    };
    // The tenant beside the department: the tenancy check is read from the
    // index too, not from each of a busy department's rows.
    let by_received = "CREATE INDEX ix_department_issues_received ON department_issues (department_id, municipality_id, received_on, issue_id)";
    let pending = "CREATE INDEX ix_department_issues_pending ON department_issues (department_id, municipality_id, pending, received_on, issue_id)";
    let issue = "CREATE INDEX ix_department_issues_issue ON department_issues (issue_id)";
    vec![
        Step::raw(&columns("INTEGER", "BOOLEAN"), &columns("BIGINT", "BOOLEAN")),
        Step::raw(by_received, by_received),
        Step::raw(pending, pending),
        Step::raw(issue, issue),
        Step::raw(
            &crate::issues::department_index::rebuild_sql(Backend::Sqlite),
            &crate::issues::department_index::rebuild_sql(Backend::Postgres),
        ),
    ]
}

/// PostgreSQL's GIN index defers new entries to a pending list that every
/// search scans until VACUUM merges it: after 16,500 intakes search fell
/// from 8 to 65 ms. Writing entries straight into the index costs each
/// write a little and keeps search as fast as the index.
fn v12_search_index_no_pending_list() -> Vec<Step> {
    vec![Step::raw("", "ALTER INDEX ix_issues_search SET (fastupdate = off)")]
}

/// Which `search_key` made the stored search keys (see `search_keys`).
fn v11_search_key_versions() -> Vec<Step> {
    let mut t = Table::create();
    t.table(name("kyodo_search_keys"))
        .col(ColumnDef::new(name("version")).big_integer().not_null());
    vec![Step::table(t.to_owned())]
}

/// CSV imports run from /data: how far each has got and how it ended, so
/// that any server can show a long import's progress and result.
fn v10_import_runs() -> Vec<Step> {
    let mut t = tenant_table("import_runs");
    reference(&mut t, "import_runs", "user_id", "users", false);
    t.col(text("kind").not_null())
        .col(ColumnDef::new(name("dry_run")).boolean().not_null())
        .col(text("state").not_null())
        .col(ColumnDef::new(name("checked")).big_integer().not_null().default(0))
        .col(ColumnDef::new(name("total")).big_integer().not_null().default(0))
        .col(text("outcome").null())
        .col(timestamp("started_at").not_null())
        .col(timestamp("updated_at").not_null());
    vec![
        Step::table(t),
        Step::index(index(
            "import_runs",
            &["municipality_id", "user_id", "started_at"],
            false,
        )),
    ]
}

/// Version 8: how many of an issue's team steps were taken by the person
/// who took an earlier one, because nobody else could (a vacancy), so that
/// the dashboard can count them.
fn v8_same_hands() -> Vec<Step> {
    vec![Step::alter(
        Table::alter()
            .table(name("issues"))
            .add_column(ColumnDef::new(name("same_hands")).integer().not_null().default(0))
            .to_owned(),
    )]
}

/// Separation of duties: each time an account reaching personal data is
/// made or opened, who did it and who of the coordinators acknowledged it.
/// Who did it is kept as it was then (login, name, role), like the audit log.
fn v9_privileged_grants() -> Vec<Step> {
    let mut t = tenant_table("privileged_grants");
    reference(&mut t, "privileged_grants", "user_id", "users", false);
    reference(&mut t, "privileged_grants", "granted_by", "users", true);
    reference(&mut t, "privileged_grants", "acknowledged_by", "users", true);
    t.col(text("kind").not_null())
        .col(text("role").not_null())
        .col(text("granted_by_login").null())
        .col(text("granted_by_name").null())
        .col(text("granted_by_role").null())
        .col(timestamp("granted_at").not_null())
        .col(timestamp("acknowledged_at").null());
    vec![
        Step::table(t),
        Step::index(index(
            "privileged_grants",
            &["municipality_id", "acknowledged_at"],
            false,
        )),
    ]
}

/// Rotation proposals (配置計画案): the adjustments asked for and the
/// planner's outcome, as JSON, and when the first year was approved.
fn v7_rotation_plans() -> Vec<Step> {
    let mut t = tenant_table("rotation_plans");
    reference(&mut t, "rotation_plans", "based_on_id", "rotation_plans", true);
    reference(&mut t, "rotation_plans", "created_by", "users", true);
    reference(&mut t, "rotation_plans", "approved_by", "users", true);
    t.col(ColumnDef::new(name("first_year")).integer().not_null())
        .col(ColumnDef::new(name("horizon")).integer().not_null())
        .col(text("adjustments").not_null())
        .col(text("outcome").not_null())
        .col(timestamp("created_at").not_null())
        .col(timestamp("approved_at").null())
        .col(date("appointed_on").null());
    vec![
        Step::table(t),
        Step::index(index("rotation_plans", &["municipality_id", "created_at"], false)),
    ]
}

/// Applies every migration not yet applied; returns how many ran.
/// Held (on PostgreSQL) by whoever is changing the schema, for the length
/// of its transaction, so that servers starting together take turns.
const MIGRATION_LOCK: &str = "SELECT pg_advisory_xact_lock(4242001)";

pub async fn migrate(db: &Db) -> Result<usize> {
    let mut tx = db.begin().await?;
    if tx.backend() == Backend::Postgres {
        // Two concurrent CREATE TABLE IF NOT EXISTS can both find the table
        // missing, and the second then fails on PostgreSQL's catalog.
        tx.execute_raw(MIGRATION_LOCK).await?;
    }
    tx.execute_raw(
        "CREATE TABLE IF NOT EXISTS kyodo_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .await?;
    tx.commit().await?;
    let mut applied = 0;
    for m in MIGRATIONS {
        let mut tx = db.begin().await?;
        if tx.backend() == Backend::Postgres {
            tx.execute_raw(MIGRATION_LOCK).await?;
        }
        if is_applied(&mut tx, m.version).await? {
            continue;
        }
        for step in (m.steps)() {
            let sql = step.sql(tx.backend());
            if sql.is_empty() {
                continue;
            }
            tx.execute_raw(sql).await.map_err(|e| match e {
                StoreError::Database(source) => StoreError::Migration {
                    version: m.version,
                    source,
                },
                other => other,
            })?;
        }
        tx.execute_raw(&format!(
            "INSERT INTO kyodo_migrations (version, name, applied_at) VALUES ({}, '{}', '{}')",
            m.version,
            m.name,
            chrono::Utc::now().to_rfc3339()
        ))
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "migration applied");
        applied += 1;
    }
    crate::search_keys::rebuild_if_stale(db).await?;
    crate::search_keys::fill_missing_tokens(db).await?;
    Ok(applied)
}

async fn is_applied(tx: &mut Tx, version: i64) -> Result<bool> {
    let q = sea_query::Query::select()
        .expr(sea_query::Expr::col(name("version")).count())
        .from(name("kyodo_migrations"))
        .and_where(sea_query::Expr::col(name("version")).eq(version))
        .to_owned();
    Ok(tx.fetch_i64(&q).await? > 0)
}
