//! Organisations (団体), their officers (役員) and key people (キーパーソン).

pub mod application_files;
pub mod establishment;
pub mod recognition;

use chrono::Utc;
use kyodo_core::csv_import::{CsvLine, ImportError};
use kyodo_core::listing::{ListQuery, Page};
use kyodo_core::organisations::{
    KeyPerson, KeyPersonInput, Officer, OfficerInput, Organisation, OrganisationInput, OrganisationRow,
};
use kyodo_core::scheme::SchemeSettings;
use kyodo_core::validation::FieldErrors;
use sea_query::{Condition, Expr, ExprTrait, Order, Query, SelectStatement};

use crate::audit::{self, Actor, Event};
use crate::common::{self, ImportReport, ListSpec};
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

const TABLE: &str = "organisations";
const COLUMNS: [&str; 17] = [
    "id",
    "municipality_id",
    "code",
    "name",
    "name_kana",
    "kind",
    "area_id",
    "stage",
    "established_on",
    "approved_on",
    "note",
    "public_contact",
    "archived_at",
    "version",
    "recognition",
    "recognition_number",
    "successor_id",
];

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.map(|c| ("o", c)))
        .expr_as(Expr::col(("a", "code")), "area_code")
        .expr_as(Expr::col(("a", "name")), "area_name")
        .from_as(TABLE, "o")
        .join_as(
            sea_query::JoinType::LeftJoin,
            "areas",
            "a",
            Expr::col(("a", "id")).equals(("o", "area_id")),
        );
    q
}

/// Which organisations a caller may see: all of them, or only some.
#[derive(Debug, Clone)]
pub enum Visible {
    All,
    /// Organisations in these areas (a liaison's districts and below).
    InAreas(Vec<i64>),
    /// One organisation (a community account's own).
    Only(i64),
}

fn restrict(cond: Condition, visible: &Visible) -> Condition {
    match visible {
        Visible::All => cond,
        Visible::InAreas(ids) => cond.add(Expr::col(("o", "area_id")).is_in(ids.clone())),
        Visible::Only(id) => cond.add(Expr::col(("o", "id")).eq(*id)),
    }
}

pub async fn list(
    db: &Db,
    municipality_id: i64,
    visible: &Visible,
    query: &ListQuery,
) -> Result<Page<OrganisationRow>> {
    let spec = ListSpec {
        from: TABLE,
        table: "o",
        sorts: &[
            ("code", "code"),
            ("name", "name_kana"),
            ("kind", "kind"),
            ("stage", "stage"),
        ],
        indexed: true,
        nullable: &["name_kana", "stage"],
    };
    let base = select_rows();
    let mut filters = Condition::all();
    filters = restrict(filters, visible);
    if let Some(area) = query.area_id {
        filters = filters.add(Expr::col(("o", "area_id")).eq(area));
    }
    if let Some(kind) = query.kind.as_deref().filter(|k| !k.is_empty()) {
        filters = filters.add(Expr::col(("o", "kind")).eq(kind));
    }
    common::list_page(db, municipality_id, &spec, query, base, filters).await
}

pub async fn all(db: &Db, municipality_id: i64) -> Result<Vec<Organisation>> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("archived_at").is_null())
        .order_by("code", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// The names of these organisations, archived ones included (a successor
/// or an integrated group is named after it is archived).
pub async fn names(db: &Db, municipality_id: i64, ids: &[i64]) -> Result<Vec<(i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = Query::select()
        .columns(["id", "name"])
        .from(TABLE)
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("id").is_in(ids.to_vec()))
        .to_owned();
    db.fetch_all(&q).await
}

pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<OrganisationRow> {
    let q = select_rows()
        .and_where(Expr::col(("o", "id")).eq(id))
        .and_where(Expr::col(("o", "municipality_id")).eq(municipality_id))
        .to_owned();
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

pub(crate) async fn get_in(tx: &mut Tx, municipality_id: i64, id: i64) -> Result<Organisation> {
    let q = Query::select()
        .columns(COLUMNS)
        .from(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .to_owned();
    tx.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

async fn check(tx: &mut Tx, municipality_id: i64, self_id: Option<i64>, input: &OrganisationInput) -> Result<()> {
    let mut errors = FieldErrors::new();
    if let Some(area) = input.area_id
        && !common::exists_in(tx, "areas", municipality_id, area).await?
    {
        errors.add("area_id", "地区が見つかりません");
    }
    if let Some(existing) = common::id_by_key(tx, TABLE, "code", municipality_id, &input.code).await?
        && Some(existing) != self_id
    {
        errors.add("code", "この団体コードは既に使われています");
    }
    errors.into_result(()).map_err(StoreError::Invalid)
}

fn search(input: &OrganisationInput) -> String {
    common::search_text(&[Some(&input.code), Some(&input.name), input.name_kana.as_deref()])
}

pub async fn create_in(tx: &mut Tx, actor: &Actor, input: &OrganisationInput) -> Result<i64> {
    check(tx, actor.municipality_id, None, input).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "code",
                    "name",
                    "name_kana",
                    "kind",
                    "area_id",
                    "stage",
                    "established_on",
                    "approved_on",
                    "note",
                    "public_contact",
                    "search_text",
                    "search_tokens",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    input.code.clone().into(),
                    input.name.clone().into(),
                    input.name_kana.clone().into(),
                    input.kind.clone().into(),
                    input.area_id.into(),
                    input.stage.clone().into(),
                    input.established_on.into(),
                    input.approved_on.into(),
                    input.note.clone().into(),
                    input.public_contact.clone().into(),
                    search(input).into(),
                    common::search_tokens(actor.municipality_id, &search(input)).into(),
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

pub async fn create(db: &Db, actor: &Actor, input: &OrganisationInput) -> Result<OrganisationRow> {
    let mut tx = db.begin().await?;
    let id = create_in(&mut tx, actor, input).await?;
    crate::public::bump_in(&mut tx, actor.municipality_id).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

/// Changes an organisation's own fields. Its stage and recognition are not
/// among them: they move by their own steps ([`establishment::move_stage`],
/// [`recognition::act`]), which check what those steps need; an input that
/// would change them is refused here, naming the step.
pub async fn update_in(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    version: Option<i64>,
    input: &OrganisationInput,
) -> Result<serde_json::Value> {
    let before = get_in(tx, actor.municipality_id, id).await?;
    check(tx, actor.municipality_id, Some(id), input).await?;
    let mut errors = FieldErrors::new();
    if input.stage.is_some() && input.stage != before.stage {
        errors.add(
            "stage",
            "段階は団体の画面の「段階を変更する」から変更してください（要件を確かめます）",
        );
    }
    if input.approved_on.is_some() && input.approved_on != before.approved_on {
        errors.add("approved_on", "認可日は団体の画面の「認可」の手続で記録してください");
    }
    errors.into_result(()).map_err(StoreError::Invalid)?;
    let mut q = Query::update();
    q.table(TABLE)
        .value("code", input.code.clone())
        .value("name", input.name.clone())
        .value("name_kana", input.name_kana.clone())
        .value("kind", input.kind.clone())
        .value("area_id", input.area_id)
        .value("established_on", input.established_on)
        .value("note", input.note.clone())
        .value("public_contact", input.public_contact.clone())
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

pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    version: i64,
    input: &OrganisationInput,
) -> Result<OrganisationRow> {
    let mut tx = db.begin().await?;
    update_in(&mut tx, actor, id, Some(version), input).await?;
    crate::public::bump_in(&mut tx, actor.municipality_id).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

/// Archives or restores an organisation; its 区域 is freed or taken again
/// (refused, naming the other body, when another took it meanwhile).
pub async fn set_archived(db: &Db, actor: &Actor, id: i64, archived: bool) -> Result<OrganisationRow> {
    let mut tx = db.begin().await?;
    common::set_archived(&mut tx, actor, TABLE, id, archived).await?;
    establishment::hold_areas(&mut tx, actor.municipality_id, id, !archived).await?;
    crate::public::bump_in(&mut tx, actor.municipality_id).await?;
    tx.commit().await?;
    get(db, actor.municipality_id, id).await
}

pub async fn export_rows(db: &Db, municipality_id: i64) -> Result<Vec<OrganisationRow>> {
    let q = select_rows()
        .and_where(Expr::col(("o", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("o", "archived_at")).is_null())
        .order_by(("o", "code"), Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

pub async fn import(
    db: &Db,
    actor: &Actor,
    scheme: &SchemeSettings,
    lines: Vec<CsvLine>,
    dry_run: bool,
) -> Result<ImportReport> {
    let columns = kyodo_core::organisations::CSV_COLUMNS;
    let mut tx = db.begin().await?;
    let mut errors = Vec::new();
    let mut report = ImportReport {
        dry_run,
        ..Default::default()
    };
    for line in lines {
        let area_id = match line.get("area_code").map(|c| common::cell_code(&c)) {
            Some(code) => match common::id_by_key(&mut tx, "areas", "code", actor.municipality_id, &code).await? {
                Some(id) => Some(id.to_string()),
                None => {
                    errors.push(ImportError::new(
                        line.line,
                        Some("地区コード"),
                        format!("地区コード「{code}」の地区がありません"),
                    ));
                    continue;
                }
            },
            None => None,
        };
        let get = |field: &str| match field {
            "area_id" => area_id.clone(),
            other => line.get(other),
        };
        let input = match OrganisationInput::parse(&get, scheme) {
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

// --- Officers (役員) ---

pub async fn officers(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<Officer>> {
    let q = Query::select()
        .columns(["id", "organisation_id", "role", "name", "term_start", "term_end"])
        .from("officers")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .order_by("term_end", Order::Desc)
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

pub async fn add_officer(db: &Db, actor: &Actor, organisation_id: i64, input: &OfficerInput) -> Result<i64> {
    let mut tx = db.begin().await?;
    get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("officers")
                .columns([
                    "municipality_id",
                    "organisation_id",
                    "role",
                    "name",
                    "term_start",
                    "term_end",
                    "created_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    organisation_id.into(),
                    input.role.clone().into(),
                    input.name.clone().into(),
                    input.term_start.into(),
                    input.term_end.into(),
                    Utc::now().into(),
                ])
                .to_owned(),
        )
        .await?;
    common::audit_change(
        &mut tx,
        actor,
        "officers",
        id,
        None,
        serde_json::json!({"organisation_id": organisation_id, "role": input.role, "name": input.name}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn update_officer(
    db: &Db,
    actor: &Actor,
    organisation_id: i64,
    officer_id: i64,
    input: &OfficerInput,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let select = Query::select()
        .columns(["id", "organisation_id", "role", "name", "term_start", "term_end"])
        .from("officers")
        .and_where(Expr::col("id").eq(officer_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .to_owned();
    let before: Officer = tx.fetch_optional(&select).await?.ok_or(StoreError::NotFound)?;
    tx.execute(
        &Query::update()
            .table("officers")
            .value("role", input.role.clone())
            .value("name", input.name.clone())
            .value("term_start", input.term_start)
            .value("term_end", input.term_end)
            .and_where(Expr::col("id").eq(officer_id))
            .to_owned(),
    )
    .await?;
    let after: Officer = tx.fetch_optional(&select).await?.ok_or(StoreError::NotFound)?;
    common::audit_change(
        &mut tx,
        actor,
        "officers",
        officer_id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await?;
    tx.commit().await
}

/// One officer of an organisation.
pub async fn officer(db: &Db, municipality_id: i64, organisation_id: i64, officer_id: i64) -> Result<Officer> {
    officers(db, municipality_id, organisation_id)
        .await?
        .into_iter()
        .find(|o| o.id == officer_id)
        .ok_or(StoreError::NotFound)
}

pub async fn remove_officer(db: &Db, actor: &Actor, organisation_id: i64, officer_id: i64) -> Result<()> {
    remove_child(db, actor, "officers", organisation_id, officer_id).await
}

pub(crate) async fn remove_child(
    db: &Db,
    actor: &Actor,
    table: &'static str,
    organisation_id: i64,
    id: i64,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            &Query::delete()
                .from_table(table)
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("organisation_id").eq(organisation_id))
                .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
                .to_owned(),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::DELETE,
            entity: table,
            entity_id: Some(id),
            detail: Some(serde_json::json!({"organisation_id": organisation_id})),
        },
    )
    .await?;
    tx.commit().await
}

// --- Key people (キーパーソン): personal data ---

const KEY_PERSON_COLUMNS: [&str; 9] = [
    "id",
    "organisation_id",
    "name",
    "name_kana",
    "title",
    "phone",
    "email",
    "address",
    "note",
];

/// Key people of an organisation. The read is logged: this is personal data.
pub async fn key_people(db: &Db, actor: &Actor, organisation_id: i64) -> Result<Vec<KeyPerson>> {
    let q = Query::select()
        .columns(KEY_PERSON_COLUMNS)
        .from("key_people")
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .order_by("id", Order::Asc)
        .to_owned();
    let people: Vec<KeyPerson> = db.fetch_all(&q).await?;
    audit::record_now(
        db,
        actor,
        Event {
            action: kyodo_core::audit::kind::READ_PERSONAL,
            entity: "key_people",
            entity_id: None,
            detail: Some(serde_json::json!({
                "organisation_id": organisation_id,
                "key_person_ids": people.iter().map(|p| p.id).collect::<Vec<_>>(),
            })),
        },
    )
    .await?;
    Ok(people)
}

pub async fn add_key_person(db: &Db, actor: &Actor, organisation_id: i64, input: &KeyPersonInput) -> Result<i64> {
    let mut tx = db.begin().await?;
    get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table("key_people")
                .columns([
                    "municipality_id",
                    "organisation_id",
                    "name",
                    "name_kana",
                    "title",
                    "phone",
                    "email",
                    "address",
                    "note",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    actor.municipality_id.into(),
                    organisation_id.into(),
                    input.name.clone().into(),
                    input.name_kana.clone().into(),
                    input.title.clone().into(),
                    input.phone.clone().into(),
                    input.email.clone().into(),
                    input.address.clone().into(),
                    input.note.clone().into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    // The log names the record, not its contents: the log is not a copy of personal data.
    common::audit_change(
        &mut tx,
        actor,
        "key_people",
        id,
        None,
        serde_json::json!({"organisation_id": organisation_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Removes a key person entirely (personal data is not kept once it is not needed).
pub async fn remove_key_person(db: &Db, actor: &Actor, organisation_id: i64, id: i64) -> Result<()> {
    remove_child(db, actor, "key_people", organisation_id, id).await
}

/// One key person, for editing. The read is logged like any other.
pub async fn key_person(db: &Db, actor: &Actor, organisation_id: i64, id: i64) -> Result<KeyPerson> {
    let q = Query::select()
        .columns(KEY_PERSON_COLUMNS)
        .from("key_people")
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    let person: KeyPerson = db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)?;
    audit::record_now(
        db,
        actor,
        Event {
            action: kyodo_core::audit::kind::READ_PERSONAL,
            entity: "key_people",
            entity_id: Some(id),
            detail: Some(serde_json::json!({"organisation_id": organisation_id, "key_person_ids": [id]})),
        },
    )
    .await?;
    Ok(person)
}

pub async fn update_key_person(
    db: &Db,
    actor: &Actor,
    organisation_id: i64,
    id: i64,
    input: &KeyPersonInput,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            &Query::update()
                .table("key_people")
                .value("name", input.name.clone())
                .value("name_kana", input.name_kana.clone())
                .value("title", input.title.clone())
                .value("phone", input.phone.clone())
                .value("email", input.email.clone())
                .value("address", input.address.clone())
                .value("note", input.note.clone())
                .value("updated_at", Utc::now())
                .and_where(Expr::col("id").eq(id))
                .and_where(Expr::col("organisation_id").eq(organisation_id))
                .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
                .to_owned(),
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    // Which fields changed is logged, not their personal contents.
    audit::record(
        &mut tx,
        actor,
        Event {
            action: kyodo_core::audit::kind::UPDATE,
            entity: "key_people",
            entity_id: Some(id),
            detail: Some(serde_json::json!({"organisation_id": organisation_id})),
        },
    )
    .await?;
    tx.commit().await
}
