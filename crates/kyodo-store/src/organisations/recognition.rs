//! The city's recognition (認可) of a 地域運営組織, step by step, each kept.

use chrono::Utc;
use kyodo_core::organisations::Organisation;
use kyodo_core::organisations::establishment::{self, Requirement};
use kyodo_core::organisations::recognition::{
    Application, AppliedOfficer, AppliedRecord, RecognitionAction, RecognitionEvent, RecognitionInput,
};
use kyodo_core::scheme::SchemeSettings;
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, Order, Query};

use super::{TABLE, get_in};
use crate::audit::{self, Actor};
use crate::common;
use crate::db::{Db, Tx};
use crate::error::{Result, StoreError};

/// The organisation's recognition steps, oldest first.
pub async fn events(db: &Db, municipality_id: i64, organisation_id: i64) -> Result<Vec<RecognitionEvent>> {
    let q = Query::select()
        .columns([
            "id",
            "organisation_id",
            "action",
            "on_date",
            "number",
            "comment",
            "application",
            "actor_name",
            "created_at",
        ])
        .from("recognition_events")
        .and_where(Expr::col("municipality_id").eq(municipality_id))
        .and_where(Expr::col("organisation_id").eq(organisation_id))
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&q).await
}

/// Whether organisations of `kind` go through recognition in this scheme.
pub fn applies_to(scheme: &SchemeSettings, kind: &str) -> bool {
    scheme.recognition && scheme.area_body_kind.as_deref() == Some(kind)
}

/// What the application is made with, as it stands on `on`; its documents
/// are marked as applied with from then.
async fn application(tx: &mut Tx, organisation: &Organisation, on: chrono::NaiveDate) -> Result<Application> {
    let muni = organisation.municipality_id;
    let areas: Vec<(String,)> = tx
        .fetch_all(
            &Query::select()
                .column(("a", "name"))
                .from_as("organisation_areas", "oa")
                .join_as(
                    sea_query::JoinType::InnerJoin,
                    "areas",
                    "a",
                    Expr::col(("a", "id")).equals(("oa", "area_id")),
                )
                .and_where(Expr::col(("oa", "organisation_id")).eq(organisation.id))
                .and_where(Expr::col(("oa", "municipality_id")).eq(muni))
                .order_by(("a", "code"), Order::Asc)
                .to_owned(),
        )
        .await?;
    let officers: Vec<(String, String)> = tx
        .fetch_all(
            &Query::select()
                .columns(["role", "name"])
                .from("officers")
                .and_where(Expr::col("organisation_id").eq(organisation.id))
                .and_where(Expr::col("municipality_id").eq(muni))
                .order_by("id", Order::Asc)
                .to_owned(),
        )
        .await?;
    let records: Vec<(String, chrono::NaiveDate)> = tx
        .fetch_all(
            &Query::select()
                .columns(["kind", "held_on"])
                .from("establishment_records")
                .and_where(Expr::col("organisation_id").eq(organisation.id))
                .and_where(Expr::col("municipality_id").eq(muni))
                .order_by("held_on", Order::Asc)
                .order_by("id", Order::Asc)
                .to_owned(),
        )
        .await?;
    Ok(Application {
        stage: organisation.stage.clone(),
        areas: areas.into_iter().map(|(n,)| n).collect(),
        officers: officers
            .into_iter()
            .map(|(role, name)| AppliedOfficer { role, name })
            .collect(),
        records: records
            .into_iter()
            .filter_map(|(k, held_on)| Requirement::from_key(&k).map(|kind| AppliedRecord { kind, held_on }))
            .collect(),
        files: super::application_files::apply_with(tx, muni, organisation.id, on).await?,
    })
}

/// Takes a recognition step: an application needs the last stage and every
/// requirement of the way met; a grant a number no other body has.
pub async fn act(
    db: &Db,
    actor: &Actor,
    scheme: &SchemeSettings,
    organisation_id: i64,
    input: &RecognitionInput,
) -> Result<Organisation> {
    let mut tx = db.begin().await?;
    let before = get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    if !applies_to(scheme, &before.kind) {
        return Err(StoreError::Refused(format!(
            "種別「{}」の団体は認可の対象ではありません",
            before.kind
        )));
    }
    if before.archived_at.is_some() {
        return Err(StoreError::Refused("アーカイブ済みの団体です".into()));
    }
    if !input.action.allowed_from(before.recognition) {
        return Err(StoreError::Refused(input.action.refusal(before.recognition)));
    }
    let mut applied = None;
    let mut update = Query::update();
    update
        .table(TABLE)
        .value("recognition", input.action.result().key())
        .value("version", Expr::col("version").add(1))
        .value("updated_at", Utc::now())
        .and_where(Expr::col("id").eq(organisation_id))
        .and_where(Expr::col("municipality_id").eq(actor.municipality_id));
    match input.action {
        RecognitionAction::Apply => {
            let last = scheme.lifecycle_stages.last();
            let mut errors = FieldErrors::new();
            if last.is_some() && before.stage.as_ref() != last {
                errors.add(
                    "stage",
                    format!(
                        "「{}」の段階に進んでから申請してください",
                        last.map_or("", String::as_str)
                    ),
                );
            }
            let progress = super::establishment::progress(&mut tx, actor.municipality_id, organisation_id).await?;
            errors
                .errors
                .extend(establishment::unmet(&establishment::all_of(scheme), &progress, "stage").errors);
            errors.into_result(()).map_err(StoreError::Invalid)?;
            let on = input.on.unwrap_or_else(|| kyodo_core::wareki::jst_date(Utc::now()));
            applied = Some(application(&mut tx, &before, on).await?);
        }
        RecognitionAction::Grant => {
            let number = input.number.clone().unwrap_or_default();
            let other: Option<(String,)> = tx
                .fetch_optional(
                    &Query::select()
                        .column("name")
                        .from(TABLE)
                        .and_where(Expr::col("municipality_id").eq(actor.municipality_id))
                        .and_where(Expr::col("recognition_number").eq(number.clone()))
                        .and_where(Expr::col("id").ne(organisation_id))
                        .to_owned(),
                )
                .await?;
            if let Some((other,)) = other {
                return Err(StoreError::Invalid(FieldErrors::single(
                    "number",
                    format!("認可番号「{number}」は「{other}」で使われています"),
                )));
            }
            update
                .value("approved_on", input.on)
                .value("recognition_number", number);
        }
        RecognitionAction::Return | RecognitionAction::Withdraw => {}
    }
    tx.execute(&update).await?;
    let application_text = applied
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.insert_id(
        &Query::insert()
            .into_table("recognition_events")
            .columns([
                "municipality_id",
                "organisation_id",
                "action",
                "on_date",
                "number",
                "comment",
                "application",
                "actor_name",
                "created_at",
            ])
            .values_panic([
                actor.municipality_id.into(),
                organisation_id.into(),
                input.action.key().into(),
                input.on.into(),
                input.number.clone().into(),
                input.comment.clone().into(),
                application_text.into(),
                actor.name.clone().into(),
                Utc::now().into(),
            ])
            .to_owned(),
    )
    .await?;
    let after = get_in(&mut tx, actor.municipality_id, organisation_id).await?;
    common::audit_change(
        &mut tx,
        actor,
        TABLE,
        organisation_id,
        Some(audit::snapshot(&before)),
        audit::snapshot(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// How many applications wait for the coordinator in the municipality.
pub async fn waiting(db: &Db, municipality_id: i64) -> Result<i64> {
    db.fetch_i64(
        &Query::select()
            .expr(Expr::col("id").count())
            .from(TABLE)
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .and_where(
                Expr::col("recognition").eq(kyodo_core::organisations::recognition::RecognitionStatus::Applied.key()),
            )
            .to_owned(),
    )
    .await
}
