//! Areas (地区): the tree of districts.

use chrono::Utc;
use kyodo_core::areas::{Area, AreaInput, AreaRow};
use kyodo_core::csv_import::{CsvLine, ImportError};
use kyodo_core::listing::{ListQuery, Page};
use kyodo_core::validation::FieldErrors;
use sea_query::{Condition, Expr, ExprTrait, Order, Query, SelectStatement};

use crate::audit::{self, Actor};
use crate::common::{self, ImportReport, ListSpec};
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "areas";
pub(crate) const COLUMNS: [&str; 10] = [
    "id",
    "municipality_id",
    "parent_id",
    "level",
    "code",
    "name",
    "name_kana",
    "note",
    "archived_at",
    "version",
];

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.map(|c| ("a", c)))
        .expr_as(Expr::col(("p", "code")), "parent_code")
        .expr_as(Expr::col(("p", "name")), "parent_name")
        .from_as(TABLE, "a")
        .join_as(
            sea_query::JoinType::LeftJoin,
            TABLE,
            "p",
            Expr::col(("p", "id")).equals(("a", "parent_id")),
        );
    q
}

pub async fn list(db: &Db, municipality_id: i64, query: &ListQuery) -> Result<Page<AreaRow>> {
    let spec = ListSpec {
        from: TABLE,
        table: "a",
        sorts: &[("code", "code"), ("name", "name_kana"), ("level", "level")],
        indexed: false,
        nullable: &["name_kana"],
    };
    let base = select_rows();
    let mut filters = Condition::all();
    if let Some(parent) = query.area_id {
        filters = filters.add(Expr::col(("a", "parent_id")).eq(parent));
    }
    common::list_page(db, municipality_id, &spec, query, base, filters).await
}

/// Every area of the municipality, for trees and choosers.
pub async fn all(db: &Db, municipality_id: i64, include_archived: bool) -> Result<Vec<Area>> {
    let mut q = Query::select();
    q.columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .order_by("level", Order::Asc)
        .order_by("code", Order::Asc);
    if !include_archived {
        q.and_where(Expr::col("archived_at").is_null());
    }
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<AreaRow> {
    let q = select_rows()
        .and_where(Expr::col(("a", "id")).eq(id))
        .and_where(Expr::col(("a", "municipality_id")).eq(municipality_id))
        .to_owned();
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

async fn get_in(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<Area> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    tx.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

/// Children of `id` that are not archived.
pub async fn children(db: &Db, municipality_id: i64, id: i64) -> Result<Vec<Area>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("parent_id").eq(id))
        .and_where(Expr::col("archived_at").is_null())
        .order_by("code", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Checks what only the database can tell, and works out the level.
async fn check(
    tx: &mut Tx,
    municipality_id: i64,
    levels: usize,
    self_id: Option<i64>,
    input: &AreaInput,
) -> Result<i32> {
    let mut errors = FieldErrors::new();
    let mut level = 0;
    if let Some(parent_id) = input.parent_id {
        match get_in(tx, municipality_id, parent_id).await {
            Ok(parent) if parent.archived_at.is_none() => {
                level = parent.level + 1;
                if let Some(me) = self_id
                    && common::is_descendant_or_self(tx, TABLE, municipality_id, parent_id, me).await?
                {
                    errors.add("parent_id", "自分自身や下位の地区を上位の地区にはできません");
                }
            }
            Ok(_) => errors.add("parent_id", "アーカイブ済みの地区は上位の地区にできません"),
            Err(StoreError::NotFound) => errors.add("parent_id", "上位の地区が見つかりません"),
            Err(e) => return Err(e),
        }
    }
    if usize::try_from(level).unwrap_or(usize::MAX) >= levels {
        errors.add(
            "parent_id",
            format!("地区の階層は{levels}段までです（制度設定で階層を追加できます）"),
        );
    }
    if let Some(existing) = common::id_by_key(tx, TABLE, "code", municipality_id, &input.code).await?
        && Some(existing) != self_id
    {
        errors.add("code", "この地区コードは既に使われています");
    }
    errors.into_result(level).map_err(StoreError::Invalid)
}

fn search(input: &AreaInput) -> String {
    common::search_text(&[Some(&input.code), Some(&input.name), input.name_kana.as_deref()])
}

pub async fn create_in(tx: &mut Tx, actor: &Actor, levels: usize, input: &AreaInput) -> Result<i64> {
    let level = check(tx, actor.municipality_id, levels, None, input).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "parent_id",
                    "level",
                    "code",
                    "name",
                    "name_kana",
                    "note",
                    "search_text",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    input.parent_id.into(),
                    level.into(),
                    input.code.clone().into(),
                    input.name.clone().into(),
                    input.name_kana.clone().into(),
                    input.note.clone().into(),
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

pub async fn create(db: &Db, actor: &Actor, levels: usize, input: &AreaInput) -> Result<AreaRow> {
    let mut tx = db.begin().await?;
    let id = create_in(&mut tx, actor, levels, input).await?;
    crate::public::bump_in(&mut tx, actor.municipality_id).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

/// Updates an area; `version` is what the editor saw (`None` skips the check, for imports).
/// Returns the field changes made.
pub async fn update_in(
    tx: &mut Tx,
    actor: &Actor,
    levels: usize,
    id: i64,
    version: Option<i64>,
    input: &AreaInput,
) -> Result<serde_json::Value> {
    let before = get_in(tx, actor.municipality_id, id).await?;
    let level = check(tx, actor.municipality_id, levels, Some(id), input).await?;
    let mut q = Query::update();
    q.table(TABLE)
        .value("parent_id", input.parent_id)
        .value("level", level)
        .value("code", input.code.clone())
        .value("name", input.name.clone())
        .value("name_kana", input.name_kana.clone())
        .value("note", input.note.clone())
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
    if level != before.level {
        relevel_children(tx, actor.municipality_id, id, level, levels).await?;
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

/// Moving an area moves its subtree: the levels below follow.
async fn relevel_children(tx: &mut Tx, municipality_id: i64, id: i64, level: i32, levels: usize) -> Result<()> {
    let mut stack = vec![(id, level)];
    while let Some((parent, parent_level)) = stack.pop() {
        if usize::try_from(parent_level + 1).unwrap_or(usize::MAX) >= levels {
            let has_children = Query::select()
                .expr(Expr::col("id").count())
                .from(TABLE)
                .and_where(Expr::col("parent_id").eq(parent))
                .to_owned();
            if tx.fetch_i64(&has_children).await? > 0 {
                return Err(StoreError::Invalid(FieldErrors::single(
                    "parent_id",
                    format!("移動すると下位の地区が{levels}段を超えます"),
                )));
            }
            continue;
        }
        let q = Query::select()
            .column("id")
            .from(TABLE)
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(Expr::col("parent_id").eq(parent))
            .to_owned();
        let kids: Vec<common::Id> = tx.fetch_all(&q).await?;
        tx.execute(
            &Query::update()
                .table(TABLE)
                .value("level", parent_level + 1)
                .and_where(Expr::col("parent_id").eq(parent))
                .to_owned(),
        )
        .await?;
        stack.extend(kids.into_iter().map(|k| (k.id, parent_level + 1)));
    }
    Ok(())
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    levels: usize,
    id: i64,
    version: i64,
    input: &AreaInput,
) -> Result<AreaRow> {
    let mut tx = db.begin().await?;
    update_in(&mut tx, actor, levels, id, Some(version), input).await?;
    crate::public::bump_in(&mut tx, actor.municipality_id).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

/// Archives an area (no hard delete: issues, staff and appointments refer to it).
/// Refused while it has areas below it that are not archived.
pub async fn set_archived(db: &Db, actor: &Actor, id: i64, archived: bool) -> Result<AreaRow> {
    let mut tx = db.begin().await?;
    let area = get_in(&mut tx, actor.municipality_id, id).await?;
    if archived {
        if common::has_active_children(&mut tx, TABLE, id).await? {
            return Err(StoreError::Refused(
                "下位の地区があるためアーカイブできません。先に下位の地区をアーカイブしてください".into(),
            ));
        }
    } else if let Some(parent) = area.parent_id
        && !common::exists_in(&mut tx, TABLE, actor.municipality_id, parent).await?
    {
        return Err(StoreError::Refused(
            "上位の地区がアーカイブ済みのため復元できません。先に上位の地区を復元してください".into(),
        ));
    }
    common::set_archived(&mut tx, actor, TABLE, id, archived).await?;
    crate::public::bump_in(&mut tx, actor.municipality_id).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

/// Every area with its parent's code, tree order, for CSV export.
pub async fn export_rows(db: &Db, municipality_id: i64) -> Result<Vec<AreaRow>> {
    let q = select_rows()
        .and_where(Expr::col(("a", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("a", "archived_at")).is_null())
        .order_by(("a", "level"), Order::Asc)
        .order_by(("a", "code"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Imports areas keyed by code: new codes are created, known codes updated.
/// A parent may be defined earlier in the same file.
pub async fn import(db: &Db, actor: &Actor, levels: usize, lines: Vec<CsvLine>, dry_run: bool) -> Result<ImportReport> {
    let columns = kyodo_core::areas::CSV_COLUMNS;
    let mut tx = db.begin().await?;
    let mut errors = Vec::new();
    let mut report = ImportReport {
        dry_run,
        ..Default::default()
    };
    for line in lines {
        let parent_id = match line.get("parent_code") {
            Some(code) => {
                let code = common::cell_code(&code);
                match common::id_by_key(&mut tx, TABLE, "code", actor.municipality_id, &code).await? {
                    Some(id) => Some(id.to_string()),
                    None => {
                        errors.push(ImportError::new(
                            line.line,
                            Some("上位地区コード"),
                            format!("上位地区コード「{code}」の地区がありません（このファイルの前の行か、登録済みの地区を指定してください）"),
                        ));
                        continue;
                    }
                }
            }
            None => None,
        };
        let get = |field: &str| match field {
            "parent_id" => parent_id.clone(),
            other => line.get(other),
        };
        let input = match AreaInput::parse(&get) {
            Ok(i) => i,
            Err(e) => {
                errors.extend(ImportError::from_line(&line, columns, e));
                continue;
            }
        };
        let existing = common::id_by_key(&mut tx, TABLE, "code", actor.municipality_id, &input.code).await?;
        let result = match existing {
            Some(id) => update_in(&mut tx, actor, levels, id, None, &input).await.map(Some),
            None => create_in(&mut tx, actor, levels, &input).await.map(|_| None),
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
