//! Departments (部署): the 部/課 tree.

use chrono::Utc;
use kyodo_core::csv_import::{CsvLine, ImportError};
use kyodo_core::departments::{Department, DepartmentInput, DepartmentRow};
use kyodo_core::listing::{ListQuery, Page};
use kyodo_core::validation::FieldErrors;
use sea_query::{Condition, Expr, ExprTrait, Order, Query, SelectStatement};

use crate::audit::{self, Actor};
use crate::common::{self, ImportReport, ListSpec};
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "departments";
const COLUMNS: [&str; 9] = [
    "id",
    "municipality_id",
    "parent_id",
    "code",
    "name",
    "name_kana",
    "phone",
    "archived_at",
    "version",
];

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.map(|c| ("d", c)))
        .expr_as(Expr::col(("p", "code")), "parent_code")
        .expr_as(Expr::col(("p", "name")), "parent_name")
        .from_as(TABLE, "d")
        .join_as(
            sea_query::JoinType::LeftJoin,
            TABLE,
            "p",
            Expr::col(("p", "id")).equals(("d", "parent_id")),
        );
    q
}

pub async fn list(db: &Db, municipality_id: i64, query: &ListQuery) -> Result<Page<DepartmentRow>> {
    let spec = ListSpec {
        from: TABLE,
        table: "d",
        sorts: &[("code", "code"), ("name", "name_kana")],
        indexed: false,
        nullable: &["name_kana"],
    };
    let base = select_rows();
    let mut filters = Condition::all();
    if let Some(parent) = query.department_id {
        filters = filters.add(Expr::col(("d", "parent_id")).eq(parent));
    }
    common::list_page(db, municipality_id, &spec, query, base, filters).await
}

pub async fn all(db: &Db, municipality_id: i64) -> Result<Vec<Department>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("archived_at").is_null())
        .order_by("code", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<DepartmentRow> {
    let q = select_rows()
        .and_where(Expr::col(("d", "id")).eq(id))
        .and_where(Expr::col(("d", "municipality_id")).eq(municipality_id))
        .to_owned();
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

async fn get_in(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<Department> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    tx.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

async fn check(tx: &mut Tx, municipality_id: i64, self_id: Option<i64>, input: &DepartmentInput) -> Result<()> {
    let mut errors = FieldErrors::new();
    if let Some(parent_id) = input.parent_id {
        if !common::exists_in(tx, TABLE, municipality_id, parent_id).await? {
            errors.add("parent_id", "上位の部署が見つかりません");
        } else if let Some(me) = self_id
            && common::is_descendant_or_self(tx, TABLE, municipality_id, parent_id, me).await?
        {
            errors.add("parent_id", "自分自身や下位の部署を上位の部署にはできません");
        }
    }
    if let Some(existing) = common::id_by_key(tx, TABLE, "code", municipality_id, &input.code).await?
        && Some(existing) != self_id
    {
        errors.add("code", "この部署コードは既に使われています");
    }
    errors.into_result(()).map_err(StoreError::Invalid)
}

fn search(input: &DepartmentInput) -> String {
    common::search_text(&[Some(&input.code), Some(&input.name), input.name_kana.as_deref()])
}

pub async fn create_in(tx: &mut Tx, actor: &Actor, input: &DepartmentInput) -> Result<i64> {
    check(tx, actor.municipality_id, None, input).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "parent_id",
                    "code",
                    "name",
                    "name_kana",
                    "phone",
                    "search_text",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    input.parent_id.into(),
                    input.code.clone().into(),
                    input.name.clone().into(),
                    input.name_kana.clone().into(),
                    input.phone.clone().into(),
                    search(input).into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    let after = get_in(tx, actor.municipality_id, id).await?;
    common::audit_change(tx, actor, TABLE, id, None, audit::snapshot(&after)).await?;
    Ok(id)
}

pub async fn create(db: &Db, actor: &Actor, input: &DepartmentInput) -> Result<DepartmentRow> {
    let mut tx = db.begin().await?;
    let id = create_in(&mut tx, actor, input).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

pub async fn update_in(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    version: Option<i64>,
    input: &DepartmentInput,
) -> Result<serde_json::Value> {
    let before = get_in(tx, actor.municipality_id, id).await?;
    check(tx, actor.municipality_id, Some(id), input).await?;
    let mut q = Query::update();
    q.table(TABLE)
        .value("parent_id", input.parent_id)
        .value("code", input.code.clone())
        .value("name", input.name.clone())
        .value("name_kana", input.name_kana.clone())
        .value("phone", input.phone.clone())
        .value("search_text", search(input))
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
    let after = get_in(tx, actor.municipality_id, id).await?;
    common::audit_change(
        tx,
        actor,
        TABLE,
        id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await
}

pub async fn update(db: &Db, actor: &Actor, id: i64, version: i64, input: &DepartmentInput) -> Result<DepartmentRow> {
    let mut tx = db.begin().await?;
    update_in(&mut tx, actor, id, Some(version), input).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

pub async fn set_archived(db: &Db, actor: &Actor, id: i64, archived: bool) -> Result<DepartmentRow> {
    let mut tx = db.begin().await?;
    let dept = get_in(&mut tx, actor.municipality_id, id).await?;
    if archived && common::has_active_children(&mut tx, TABLE, id).await? {
        return Err(StoreError::Refused(
            "下位の部署があるためアーカイブできません。先に下位の部署をアーカイブしてください".into(),
        ));
    }
    if !archived
        && let Some(parent) = dept.parent_id
        && !common::exists_in(&mut tx, TABLE, actor.municipality_id, parent).await?
    {
        return Err(StoreError::Refused(
            "上位の部署がアーカイブ済みのため復元できません".into(),
        ));
    }
    common::set_archived(&mut tx, actor, TABLE, id, archived).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

pub async fn export_rows(db: &Db, municipality_id: i64) -> Result<Vec<DepartmentRow>> {
    let q = select_rows()
        .and_where(Expr::col(("d", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("d", "archived_at")).is_null())
        .order_by(("d", "code"), Order::Asc)
        .to_owned();
    let mut rows: Vec<DepartmentRow> = db.fetch_all(&q).await?;
    // Parents first, so the file imports again as it is.
    rows.sort_by_key(|r| r.department.parent_id.is_some());
    Ok(rows)
}

pub async fn import(db: &Db, actor: &Actor, lines: Vec<CsvLine>, dry_run: bool) -> Result<ImportReport> {
    let columns = kyodo_core::departments::CSV_COLUMNS;
    let mut tx = db.begin().await?;
    let mut errors = Vec::new();
    let mut report = ImportReport {
        dry_run,
        ..Default::default()
    };
    for line in lines {
        let parent_id = match line.get("parent_code").map(|c| common::cell_code(&c)) {
            Some(code) => match common::id_by_key(&mut tx, TABLE, "code", actor.municipality_id, &code).await? {
                Some(id) => Some(id.to_string()),
                None => {
                    errors.push(ImportError::new(
                        line.line,
                        Some("上位部署コード"),
                        format!("上位部署コード「{code}」の部署がありません"),
                    ));
                    continue;
                }
            },
            None => None,
        };
        let get = |field: &str| match field {
            "parent_id" => parent_id.clone(),
            other => line.get(other),
        };
        let input = match DepartmentInput::parse(&get) {
            Ok(i) => i,
            Err(e) => {
                errors.extend(ImportError::from_line(&line, columns, e));
                continue;
            }
        };
        let existing = common::id_by_key(&mut tx, TABLE, "code", actor.municipality_id, &input.code).await?;
        let result = match existing {
            Some(id) => update_in(&mut tx, actor, id, None, &input).await.map(Some),
            None => create_in(&mut tx, actor, &input).await.map(|_| None),
        }
        .map(|changes| common::tally(&mut report, &input.code, changes));
        match result {
            Ok(()) => {}
            Err(StoreError::Invalid(e)) => errors.extend(ImportError::from_line(&line, columns, e)),
            Err(e) => return Err(e),
        }
    }
    common::finish_import(tx, errors, report).await
}
