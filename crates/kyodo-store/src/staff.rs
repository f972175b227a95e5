//! Staff (職員) and their grade history.

use chrono::{NaiveDate, Utc};
use std::collections::HashMap;

use kyodo_core::csv_import::{ImportError, ImportProgress, TableReader};
use kyodo_core::listing::{ListQuery, Page};
use kyodo_core::scheme::SchemeSettings;
use kyodo_core::staff::{GradeChange, Staff, StaffInput, StaffRow};
use kyodo_core::validation::FieldErrors;
use sea_query::{Condition, Expr, ExprTrait, Order, Query, SelectStatement};

use crate::audit::{self, Actor};
use crate::common::{self, ImportReport, ListSpec};
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "staff";
const COLUMNS: [&str; 12] = [
    "id",
    "municipality_id",
    "employee_number",
    "name",
    "name_kana",
    "department_id",
    "grade",
    "hire_date",
    "home_area_id",
    "email",
    "archived_at",
    "version",
];

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.map(|c| ("s", c)))
        .expr_as(Expr::col(("d", "code")), "department_code")
        .expr_as(Expr::col(("d", "name")), "department_name")
        .expr_as(Expr::col(("a", "code")), "home_area_code")
        .expr_as(Expr::col(("a", "name")), "home_area_name")
        .from_as(TABLE, "s")
        .join_as(
            sea_query::JoinType::LeftJoin,
            "departments",
            "d",
            Expr::col(("d", "id")).equals(("s", "department_id")),
        )
        .join_as(
            sea_query::JoinType::LeftJoin,
            "areas",
            "a",
            Expr::col(("a", "id")).equals(("s", "home_area_id")),
        );
    q
}

pub async fn list(db: &Db, municipality_id: i64, query: &ListQuery) -> Result<Page<StaffRow>> {
    let spec = ListSpec {
        from: TABLE,
        table: "s",
        sorts: &[
            ("name", "name_kana"),
            ("employee_number", "employee_number"),
            ("hire_date", "hire_date"),
            ("grade", "grade"),
        ],
        indexed: true,
        nullable: &[],
    };
    let base = select_rows();
    let mut filters = Condition::all();
    if let Some(dept) = query.department_id {
        filters = filters.add(Expr::col(("s", "department_id")).eq(dept));
    }
    if let Some(grade) = query.kind.as_deref().filter(|k| !k.is_empty()) {
        filters = filters.add(Expr::col(("s", "grade")).eq(grade));
    }
    if let Some(area) = query.area_id {
        filters = filters.add(Expr::col(("s", "home_area_id")).eq(area));
    }
    common::list_page(db, municipality_id, &spec, query, base, filters).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<StaffRow> {
    let q = select_rows()
        .and_where(Expr::col(("s", "id")).eq(id))
        .and_where(Expr::col(("s", "municipality_id")).eq(municipality_id))
        .to_owned();
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

/// The staff member with employee number `number` (職員番号), archived or not.
pub async fn by_employee_number(db: &Db, municipality_id: i64, number: &str) -> Result<Option<Staff>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("employee_number").eq(number))
        .to_owned();
    db.fetch_optional(&q).await
}

async fn get_in(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<Staff> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    tx.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

pub async fn grade_history(db: &Db, municipality_id: i64, staff_id: i64) -> Result<Vec<GradeChange>> {
    let q = Query::select()
        .columns(["id", "staff_id", "grade", "effective_on"])
        .from("grade_changes")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("staff_id").eq(staff_id))
        .order_by("effective_on", Order::Desc)
        .to_owned();
    db.fetch_all(&q).await
}

async fn check(tx: &mut Tx, municipality_id: i64, self_id: Option<i64>, input: &StaffInput) -> Result<()> {
    let mut errors = FieldErrors::new();
    if let Some(d) = input.department_id
        && !common::exists_in(tx, "departments", municipality_id, d).await?
    {
        errors.add("department_id", "所属部署が見つかりません");
    }
    if let Some(a) = input.home_area_id
        && !common::exists_in(tx, "areas", municipality_id, a).await?
    {
        errors.add("home_area_id", "居住地区が見つかりません");
    }
    if let Some(existing) =
        common::id_by_key(tx, TABLE, "employee_number", municipality_id, &input.employee_number).await?
        && Some(existing) != self_id
    {
        errors.add("employee_number", "この職員番号は既に使われています");
    }
    errors.into_result(()).map_err(StoreError::Invalid)
}

fn search(input: &StaffInput) -> String {
    common::search_text(&[Some(&input.employee_number), Some(&input.name), Some(&input.name_kana)])
}

async fn add_grade_change(tx: &mut Tx, municipality_id: i64, staff_id: i64, grade: &str, on: NaiveDate) -> Result<()> {
    tx.execute(
        &Query::insert()
            .into_table("grade_changes")
            .columns(["municipality_id", "staff_id", "grade", "effective_on"])
            .values_panic([municipality_id.into(), staff_id.into(), grade.into(), on.into()])
            .to_owned(),
    )
    .await?;
    Ok(())
}

pub async fn create_in(tx: &mut Tx, actor: &Actor, input: &StaffInput) -> Result<i64> {
    check(tx, actor.municipality_id, None, input).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "employee_number",
                    "name",
                    "name_kana",
                    "department_id",
                    "grade",
                    "hire_date",
                    "home_area_id",
                    "email",
                    "search_text",
                    "search_tokens",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    input.employee_number.clone().into(),
                    input.name.clone().into(),
                    input.name_kana.clone().into(),
                    input.department_id.into(),
                    input.grade.clone().into(),
                    input.hire_date.into(),
                    input.home_area_id.into(),
                    input.email.clone().into(),
                    search(input).into(),
                    common::search_tokens(actor.municipality_id, &search(input)).into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    let since = input.grade_effective_on.unwrap_or(input.hire_date);
    add_grade_change(tx, actor.municipality_id, id, &input.grade, since).await?;
    let after = get_in(tx, actor.municipality_id, id).await?;
    common::audit_change_withholding(
        tx,
        actor,
        TABLE,
        id,
        None,
        audit::snapshot(&after),
        &kyodo_core::staff::PERSONAL_FIELDS,
    )
    .await?;
    Ok(id)
}

pub async fn create(db: &Db, actor: &Actor, input: &StaffInput) -> Result<StaffRow> {
    let mut tx = db.begin().await?;
    let id = create_in(&mut tx, actor, input).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

/// Updates a staff record; a change of grade is added to the grade history
/// as of `grade_effective_on` (or `today`).
pub async fn update_in(
    tx: &mut Tx,
    actor: &Actor,
    scheme: &SchemeSettings,
    id: i64,
    version: Option<i64>,
    input: &StaffInput,
    today: NaiveDate,
) -> Result<serde_json::Value> {
    let before = get_in(tx, actor.municipality_id, id).await?;
    check(tx, actor.municipality_id, Some(id), input).await?;
    let mut q = Query::update();
    q.table(TABLE)
        .value("employee_number", input.employee_number.clone())
        .value("name", input.name.clone())
        .value("name_kana", input.name_kana.clone())
        .value("department_id", input.department_id)
        .value("grade", input.grade.clone())
        .value("hire_date", input.hire_date)
        .value("home_area_id", input.home_area_id)
        .value("email", input.email.clone())
        .value("search_text", search(input))
        .value(
            "search_tokens",
            common::search_tokens(actor.municipality_id, &search(input)),
        )
        .value("updated_at", Utc::now())
        .value("version", Expr::col("version").add(1))
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id));
    if let Some(v) = version {
        q.and_where(Expr::col("version").eq(v));
    }
    if tx.execute(&q).await? == 0 {
        return Err(common::missing_or_conflict(tx, TABLE, actor.municipality_id, id).await);
    }
    if before.grade != input.grade {
        let on = input.grade_effective_on.unwrap_or(today);
        add_grade_change(tx, actor.municipality_id, id, &input.grade, on).await?;
        crate::appointments::end_for_grade_change(tx, actor, scheme, id, &input.grade, on).await?;
    }
    let after = get_in(tx, actor.municipality_id, id).await?;
    common::audit_change_withholding(
        tx,
        actor,
        TABLE,
        id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
        &kyodo_core::staff::PERSONAL_FIELDS,
    )
    .await
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    scheme: &SchemeSettings,
    id: i64,
    version: i64,
    input: &StaffInput,
    today: NaiveDate,
) -> Result<StaffRow> {
    let mut tx = db.begin().await?;
    update_in(&mut tx, actor, scheme, id, Some(version), input, today).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

pub async fn set_archived(db: &Db, actor: &Actor, id: i64, archived: bool) -> Result<StaffRow> {
    let mut tx = db.begin().await?;
    common::set_archived(&mut tx, actor, TABLE, id, archived).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

pub async fn export_rows(db: &Db, municipality_id: i64) -> Result<Vec<StaffRow>> {
    let q = select_rows()
        .and_where(Expr::col(("s", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("s", "archived_at")).is_null())
        .order_by(("s", "employee_number"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Imports staff keyed by employee number, from the CSV `text`.
///
/// A whole prefecture's file (250,000 lines) must not stop the city, so the
/// writer is held only for the writing: the districts, departments and
/// existing staff are read, and every line is checked, before the write
/// transaction begins, with the file read one line at a time on a blocking
/// thread. Nothing is written unless every line is right.
pub async fn import(
    db: &Db,
    actor: &Actor,
    scheme: &SchemeSettings,
    text: String,
    dry_run: bool,
    today: NaiveDate,
    progress: std::sync::Arc<ImportProgress>,
) -> Result<ImportReport> {
    let started = std::time::Instant::now();
    let departments = code_map(db, "departments", actor.municipality_id).await?;
    let areas = code_map(db, "areas", actor.municipality_id).await?;
    let existing = db.fetch_all::<Staff>(&existing_staff(actor.municipality_id)).await?;
    let checking = {
        let (scheme, progress) = (scheme.clone(), progress.clone());
        tokio::task::spawn_blocking(move || check_lines(&text, &departments, &areas, &scheme, today, &progress))
    };
    let inputs = checking
        .await
        .map_err(|e| StoreError::Corrupt(format!("the import's check stopped: {e}")))?
        .map_err(StoreError::Import)?;
    progress.writing();
    let checked = started.elapsed();
    let existing = by_number(existing);
    let mut planned = plan(&existing, &inputs, dry_run);
    if dry_run {
        return Ok(planned.report);
    }
    // What the audit log says of each new record, made before the writer is taken.
    let mut details: Vec<String> = planned.new.iter().map(|i| creation_detail(&inputs[*i])).collect();
    let mut tx = db.begin().await?;
    let writing = std::time::Instant::now();
    // Someone may have added staff since they were read: then plan again
    // against what the transaction sees. A changed record is caught by its version.
    if count_in(&mut tx, actor.municipality_id).await? != existing.len() {
        let fresh = by_number(tx.fetch_all::<Staff>(&existing_staff(actor.municipality_id)).await?);
        planned = plan(&fresh, &inputs, false);
        details = planned.new.iter().map(|i| creation_detail(&inputs[*i])).collect();
    }
    let mut report = planned.report;
    for (i, id, version) in planned.changed {
        let input = &inputs[i];
        let changes = update_in(&mut tx, actor, scheme, id, Some(version), input, today).await?;
        common::tally(&mut report, &input.employee_number, Some(changes));
    }
    let new: Vec<&StaffInput> = planned.new.iter().map(|i| &inputs[*i]).collect();
    for (chunk, details) in new.chunks(1000).zip(details.chunks(1000)) {
        insert_batch(&mut tx, actor, chunk, details).await?;
    }
    tx.commit().await?;
    tracing::info!(
        lines = inputs.len(),
        checked_ms = checked.as_millis(),
        written_ms = writing.elapsed().as_millis(),
        "staff imported"
    );
    Ok(report)
}

/// Every line of the file as staff input, or every problem in it.
fn check_lines(
    text: &str,
    departments: &HashMap<String, i64>,
    areas: &HashMap<String, i64>,
    scheme: &SchemeSettings,
    today: NaiveDate,
    progress: &ImportProgress,
) -> std::result::Result<Vec<StaffInput>, Vec<ImportError>> {
    let columns = kyodo_core::staff::CSV_COLUMNS;
    progress.start(text);
    let mut reader = TableReader::open(text, columns)?;
    let mut errors = reader.header_errors();
    let mut inputs = Vec::new();
    let mut input_lines = Vec::new();
    for line in reader {
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if line.line % 4096 == 0 {
            progress.checked(line.line);
        }
        let mut line_errors = Vec::new();
        let mut resolve = |field: &str, header: &str, what: &str, map: &HashMap<String, i64>| {
            line.get(field).and_then(|raw| {
                let code = common::cell_code(&raw);
                let id = map.get(&code).map(ToString::to_string);
                if id.is_none() {
                    line_errors.push(ImportError::new(
                        line.line,
                        Some(header),
                        format!("{what}「{code}」がありません"),
                    ));
                }
                id
            })
        };
        let department_id = resolve("department_code", "所属部署コード", "部署コード", departments);
        let home_area_id = resolve("home_area_code", "居住地区コード", "地区コード", areas);
        let get = |field: &str| match field {
            "department_id" => department_id.clone(),
            "home_area_id" => home_area_id.clone(),
            other => line.get(other),
        };
        let parsed = StaffInput::parse(&get, scheme, today);
        errors.extend(line_errors);
        match parsed {
            Ok(input) => {
                inputs.push(input);
                input_lines.push(line.line);
            }
            Err(e) => errors.extend(ImportError::from_line(&line, columns, e)),
        }
    }
    errors.extend(duplicates(&inputs, &input_lines));
    if inputs.is_empty() && errors.is_empty() {
        errors.push(ImportError::new(2, None, "データの行がありません"));
    }
    // Stable: a line's problems stay in the order they were found.
    errors.sort_by_key(|e| e.line);
    if errors.is_empty() { Ok(inputs) } else { Err(errors) }
}

/// Employee numbers given twice, each at its later line. Found by sorting
/// rather than with a set of every number, which a 250,000-line file would
/// hold in memory once more.
fn duplicates(inputs: &[StaffInput], lines: &[u64]) -> Vec<ImportError> {
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by(|a, b| {
        inputs[*a]
            .employee_number
            .cmp(&inputs[*b].employee_number)
            .then(lines[*a].cmp(&lines[*b]))
    });
    let mut errors = Vec::new();
    let mut first = None;
    for pair in order.windows(2) {
        let (a, b) = (&inputs[pair[0]], &inputs[pair[1]]);
        if a.employee_number != b.employee_number {
            first = None;
            continue;
        }
        // Sorted by line within a number: the run's first line is the original.
        let original = *first.get_or_insert(lines[pair[0]]);
        errors.push(ImportError::new(
            lines[pair[1]],
            Some("職員番号"),
            format!("職員番号「{}」が{original}行目と重複しています", b.employee_number),
        ));
    }
    errors
}

/// What an import does to each line, by its index in the file's inputs.
struct Plan {
    /// New and unchanged lines; the changed ones too on a dry run (a real
    /// import tallies them as it writes them).
    report: ImportReport,
    new: Vec<usize>,
    /// (input, record id, the version it was read at).
    changed: Vec<(usize, i64, i64)>,
}

fn plan(existing: &HashMap<String, Staff>, inputs: &[StaffInput], dry_run: bool) -> Plan {
    let mut planned = Plan {
        report: ImportReport {
            dry_run,
            ..Default::default()
        },
        new: Vec::new(),
        changed: Vec::new(),
    };
    for (i, input) in inputs.iter().enumerate() {
        match existing.get(&input.employee_number) {
            Some(old) if old.same_as(input) => planned.report.unchanged += 1,
            Some(old) => {
                // A real import reports what `update_in` changed; only a dry run says beforehand.
                if dry_run {
                    let after = old.with(input);
                    let changes = kyodo_core::audit::diff(&audit::snapshot(old), &audit::snapshot(&after));
                    common::tally(&mut planned.report, &input.employee_number, Some(changes));
                }
                planned.changed.push((i, old.id, old.version));
            }
            None => {
                common::tally(&mut planned.report, &input.employee_number, None);
                planned.new.push(i);
            }
        }
    }
    planned
}

fn creation_detail(input: &StaffInput) -> String {
    serde_json::json!({
        "employee_number": input.employee_number,
        "name": input.name,
        "grade": input.grade,
        "department_id": input.department_id,
        "source": "import",
    })
    .to_string()
}

/// Inserts checked, new staff with their first grade and an audit entry
/// each (`details`, one per record).
async fn insert_batch(tx: &mut Tx, actor: &Actor, batch: &[&StaffInput], details: &[String]) -> Result<()> {
    let now = Utc::now();
    let mut q = Query::insert();
    q.into_table(TABLE).columns([
        "municipality_id",
        "employee_number",
        "name",
        "name_kana",
        "department_id",
        "grade",
        "hire_date",
        "home_area_id",
        "email",
        "search_text",
        "search_tokens",
        "created_at",
        "updated_at",
    ]);
    for input in batch {
        q.values_panic([
            actor.municipality_id.into(),
            input.employee_number.clone().into(),
            input.name.clone().into(),
            input.name_kana.clone().into(),
            input.department_id.into(),
            input.grade.clone().into(),
            input.hire_date.into(),
            input.home_area_id.into(),
            input.email.clone().into(),
            search(input).into(),
            common::search_tokens(actor.municipality_id, &search(input)).into(),
            now.into(),
            now.into(),
        ]);
    }
    q.returning(Query::returning().columns(["id", "employee_number"]));
    #[derive(sqlx::FromRow)]
    struct Inserted {
        id: i64,
        employee_number: String,
    }
    let inserted: Vec<Inserted> = tx.fetch_all(&q).await?;
    let ids: HashMap<&str, i64> = inserted.iter().map(|r| (r.employee_number.as_str(), r.id)).collect();
    let mut grades = Query::insert();
    grades
        .into_table("grade_changes")
        .columns(["municipality_id", "staff_id", "grade", "effective_on"]);
    let mut log = Query::insert();
    log.into_table("audit_log").columns([
        "municipality_id",
        "at",
        "user_id",
        "login",
        "action",
        "entity",
        "entity_id",
        "detail",
        "ip",
    ]);
    for (input, detail) in batch.iter().zip(details) {
        let Some(&id) = ids.get(input.employee_number.as_str()) else {
            return Err(StoreError::Corrupt(format!(
                "insert of {} returned no id",
                input.employee_number
            )));
        };
        grades.values_panic([
            actor.municipality_id.into(),
            id.into(),
            input.grade.clone().into(),
            input.grade_effective_on.unwrap_or(input.hire_date).into(),
        ]);
        log.values_panic([
            actor.municipality_id.into(),
            now.into(),
            actor.user_id.into(),
            actor.login.clone().into(),
            kyodo_core::audit::kind::CREATE.into(),
            TABLE.into(),
            id.into(),
            detail.clone().into(),
            actor.ip.clone().into(),
        ]);
    }
    tx.execute(&grades).await?;
    tx.execute(&log).await?;
    Ok(())
}

/// Codes of a municipality's active records in `table` (departments, areas) to their ids.
async fn code_map(db: &Db, table: &'static str, municipality_id: i64) -> Result<HashMap<String, i64>> {
    #[derive(sqlx::FromRow)]
    struct CodeId {
        code: String,
        id: i64,
    }
    let q = Query::select()
        .columns(["code", "id"])
        .from(table)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("archived_at").is_null())
        .to_owned();
    let rows: Vec<CodeId> = db.fetch_all(&q).await?;
    Ok(rows.into_iter().map(|r| (r.code, r.id)).collect())
}

fn existing_staff(municipality_id: i64) -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned()
}

fn by_number(staff: Vec<Staff>) -> HashMap<String, Staff> {
    staff.into_iter().map(|s| (s.employee_number.clone(), s)).collect()
}

/// How many staff records (archived too) the municipality has.
async fn count_in(tx: &mut Tx, municipality_id: i64) -> Result<usize> {
    let q = Query::select()
        .expr(Expr::col("id").count())
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    Ok(usize::try_from(tx.fetch_i64(&q).await?).unwrap_or(usize::MAX))
}

trait SameAs {
    fn same_as(&self, input: &StaffInput) -> bool;
    fn with(&self, input: &StaffInput) -> Staff;
}

impl SameAs for Staff {
    /// Unchanged lines are skipped without a write, so re-importing the
    /// same file is cheap and leaves no noise in the audit log.
    fn same_as(&self, i: &StaffInput) -> bool {
        self.name == i.name
            && self.name_kana == i.name_kana
            && self.department_id == i.department_id
            && self.grade == i.grade
            && self.hire_date == i.hire_date
            && self.home_area_id == i.home_area_id
            && self.email == i.email
            && self.archived_at.is_none()
    }

    /// The record as an update with `i` would leave it (for a dry run's report).
    fn with(&self, i: &StaffInput) -> Staff {
        Staff {
            employee_number: i.employee_number.clone(),
            name: i.name.clone(),
            name_kana: i.name_kana.clone(),
            department_id: i.department_id,
            grade: i.grade.clone(),
            hire_date: i.hire_date,
            home_area_id: i.home_area_id,
            email: i.email.clone(),
            ..self.clone()
        }
    }
}
