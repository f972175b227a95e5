//! Case studies (事例集): written by a coordinator, published on the
//! municipality's public site, and shared with the deployment's other
//! municipalities. One bigram index serves both searches: a case carries
//! its own municipality's tokens always, and the shared library's
//! (`SHARED_TENANT`) while it is shared, so withdrawing it takes it out of
//! the other municipalities' searches in the same write.

use chrono::{NaiveDate, Utc};
use kyodo_core::case_studies::{CaseSource, CaseStudy, CaseStudyInput};
use kyodo_core::search::{self, Term};
use kyodo_core::validation::FieldErrors;
use sea_query::{Expr, ExprTrait, JoinType, Order, Query, SelectStatement, UpdateStatement};

use crate::audit::{self, Actor};
use crate::common;
use crate::db::{Backend, Db, Tx};
use crate::error::{Result, StoreError};

pub mod photos;

const TABLE: &str = "case_studies";

/// The index namespace of the shared library: no municipality has id 0.
const SHARED_TENANT: i64 = 0;

/// Which case studies a list shows.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Words, searched through the bigram index (same rules as issues).
    pub q: Option<String>,
    pub area_id: Option<i64>,
    /// Only those on the public site.
    pub published_only: bool,
    pub limit: u64,
}

fn select_rows() -> SelectStatement {
    let mut q = Query::select();
    q.columns(
        [
            "id",
            "municipality_id",
            "area_id",
            "source",
            "source_id",
            "title",
            "theme",
            "problem",
            "community_action",
            "city_action",
            "result",
            "roles",
            "names_consented",
            "published",
            "published_on",
            "shared",
            "updated_at",
            "version",
        ]
        .map(|c| ("c", c)),
    )
    .expr_as(Expr::col(("m", "name")), "municipality_name")
    .expr_as(Expr::col(("a", "name")), "area_name")
    .from_as(TABLE, "c")
    .join_as(
        JoinType::InnerJoin,
        "municipalities",
        "m",
        Expr::col(("m", "id")).equals(("c", "municipality_id")),
    )
    .join_as(
        JoinType::InnerJoin,
        "areas",
        "a",
        Expr::col(("a", "id")).equals(("c", "area_id")),
    );
    q
}

/// `terms` in the case studies' bigram index.
fn matching(db: &Db, terms: &[Term]) -> Expr {
    match db.backend() {
        Backend::Sqlite => Expr::cust_with_values(
            "\"c\".\"id\" IN (SELECT rowid FROM case_studies_fts WHERE case_studies_fts MATCH ?)",
            [search::fts5_match(terms, true)],
        ),
        Backend::Postgres => {
            Expr::cust_with_values("\"c\".\"search_vector\" @@ $1::tsquery", [search::tsquery(terms, true)])
        }
    }
}

async fn search(db: &Db, mut q: SelectStatement, tenant: i64, f: &CaseFilter) -> Result<Vec<CaseStudy>> {
    if let Some(words) = f.q.as_deref() {
        let terms = search::query_terms(tenant, words);
        if !terms.is_empty() {
            q.and_where(matching(db, &terms));
        }
    }
    if let Some(a) = f.area_id {
        q.and_where(Expr::col(("c", "area_id")).eq(a));
    }
    if f.published_only {
        q.and_where(Expr::col(("c", "published")).eq(true));
    }
    q.order_by(("c", "id"), Order::Desc).limit(Ord::max(f.limit, 1));
    db.fetch_all(&q).await
}

/// A municipality's own case studies, newest first.
pub async fn list(db: &Db, municipality_id: i64, f: &CaseFilter) -> Result<Vec<CaseStudy>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("c", "municipality_id")).eq(municipality_id));
    search(db, q, municipality_id, f).await
}

/// The shared library as one municipality sees it (他の自治体の事例): what
/// the others share, newest first, each naming its municipality.
pub async fn shared_with(db: &Db, municipality_id: i64, f: &CaseFilter) -> Result<Vec<CaseStudy>> {
    let mut q = select_rows();
    q.and_where(Expr::col(("c", "shared")).eq(true))
        .and_where(Expr::col(("c", "municipality_id")).ne(municipality_id));
    search(
        db,
        q,
        SHARED_TENANT,
        &CaseFilter {
            area_id: None,
            ..f.clone()
        },
    )
    .await
}

/// Shared case studies like `text` (an issue's title and category), for the
/// issue page's 「他の自治体の事例」: those sharing a phrase with it, among
/// the newest shared, best first by the share of its bigrams they hold.
pub async fn shared_like(db: &Db, municipality_id: i64, text: &str, limit: usize) -> Result<Vec<CaseStudy>> {
    // The newest hundred sharing a phrase: five are shown (BENCHMARKS.md,
    // 300 cost twice as much for the same five).
    const CANDIDATES: u64 = 100;
    const WINDOW: u64 = 2_000;
    let terms = search::similar_terms(SHARED_TENANT, text);
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    // Phrases, not single bigrams, as for similar issues: a library of
    // thousands of cases holds most common bigrams somewhere.
    let (fts, ts) = search::phrase_windows(&terms);
    let matched = match db.backend() {
        Backend::Sqlite => Expr::cust_with_values(
            format!(
                "\"c\".\"id\" IN (SELECT rowid FROM case_studies_fts WHERE case_studies_fts MATCH ? ORDER BY rowid DESC LIMIT {CANDIDATES})"
            ),
            [fts],
        ),
        Backend::Postgres => Expr::cust_with_values("\"c\".\"search_vector\" @@ $1::tsquery", [ts]),
    };
    #[derive(sqlx::FromRow)]
    struct Candidate {
        id: i64,
        search_tokens: Option<String>,
    }
    // An index of words answers with every match, unordered: the lookup
    // reads only the newest WINDOW shared cases, however large the library
    // grows; where they start is a step along the (shared, id) index.
    let window_start = db
        .fetch_optional::<common::Id>(
            &Query::select()
                .column("id")
                .from(TABLE)
                .and_where(Expr::col("shared").eq(true))
                .order_by("id", Order::Desc)
                .offset(WINDOW)
                .limit(1)
                .to_owned(),
        )
        .await?
        .map_or(0, |c| c.id);
    // Ranked on their tokens alone; only the few shown are read whole.
    let candidates: Vec<Candidate> = db
        .fetch_all(
            &Query::select()
                .columns([("c", "id"), ("c", "search_tokens")])
                .from_as(TABLE, "c")
                .and_where(Expr::col(("c", "shared")).eq(true))
                .and_where(Expr::col(("c", "municipality_id")).ne(municipality_id))
                .and_where(Expr::col(("c", "id")).gte(window_start))
                .and_where(matched)
                .order_by(("c", "id"), Order::Desc)
                .limit(CANDIDATES)
                .to_owned(),
        )
        .await?;
    let ranked = search::rank_similar(
        &terms,
        candidates
            .into_iter()
            .map(|c| (c.id, c.search_tokens.unwrap_or_default(), c.id)),
        limit,
    );
    if ranked.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = select_rows();
    q.and_where(Expr::col(("c", "id")).is_in(ranked.clone()));
    let mut cases: Vec<CaseStudy> = db.fetch_all(&q).await?;
    cases.sort_by_key(|c| ranked.iter().position(|id| *id == c.id));
    Ok(cases)
}

/// One of the municipality's own case studies.
pub async fn get(db: &Db, municipality_id: i64, id: i64) -> Result<CaseStudy> {
    let mut q = select_rows();
    q.and_where(Expr::col(("c", "municipality_id")).eq(municipality_id))
        .and_where(Expr::col(("c", "id")).eq(id));
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

/// A case study the municipality may read: its own, or one another shares.
pub async fn get_readable(db: &Db, municipality_id: i64, id: i64) -> Result<CaseStudy> {
    let mut q = select_rows();
    q.and_where(Expr::col(("c", "id")).eq(id)).and_where(
        Expr::col(("c", "municipality_id"))
            .eq(municipality_id)
            .or(Expr::col(("c", "shared")).eq(true)),
    );
    db.fetch_optional(&q).await?.ok_or(StoreError::NotFound)
}

/// The names a published case must not carry without consent: the
/// municipality's key people, officers and residents needing support.
async fn people_in(tx: &mut Tx, municipality_id: i64) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for table in ["key_people", "officers", "supported_residents"] {
        let q = Query::select()
            .distinct()
            .column("name")
            .from(table)
            .and_where(Expr::col("municipality_id").eq(municipality_id))
            .to_owned();
        let rows: Vec<(String,)> = tx.fetch_all(&q).await?;
        names.extend(rows.into_iter().map(|(n,)| n));
    }
    Ok(names)
}

/// The checks a write makes inside its transaction: the district and the
/// source exist in the municipality, and no one is named without consent.
async fn check_in(tx: &mut Tx, muni: i64, input: &CaseStudyInput, shared: bool) -> Result<()> {
    let mut errors = FieldErrors::new();
    if !common::row_exists(tx, "areas", muni, input.area_id).await? {
        errors.add("area_id", "地区が見つかりません");
    }
    if let (Some(source), Some(id)) = (input.source, input.source_id) {
        let table = match source {
            CaseSource::Issue => "issues",
            CaseSource::Meeting => "meetings",
            CaseSource::Project => "plan_projects",
        };
        if !common::row_exists(tx, table, muni, id).await? {
            errors.add("source_id", "元の記録が見つかりません");
        }
    }
    if !errors.is_empty() {
        return Err(StoreError::Invalid(errors));
    }
    let people = people_in(tx, muni).await?;
    input.check_names(shared, &people).map_err(StoreError::Invalid)
}

/// The index tokens: the municipality's own, and the shared library's while shared.
fn tokens(muni: i64, input: &CaseStudyInput, shared: bool) -> String {
    let texts = input.texts().map(|(_, text)| text);
    let own = search::index_tokens(muni, &texts);
    if shared {
        format!("{own} {}", search::index_tokens(SHARED_TENANT, &texts))
    } else {
        own
    }
}

fn input_values(q: &mut UpdateStatement, muni: i64, input: &CaseStudyInput, shared: bool) {
    q.value("area_id", input.area_id)
        .value("source", input.source.map(|s| s.key()))
        .value("source_id", input.source_id)
        .value("title", input.title.clone())
        .value("theme", input.theme.clone())
        .value("problem", input.problem.clone())
        .value("community_action", input.community_action.clone())
        .value("city_action", input.city_action.clone())
        .value("result", input.result.clone())
        .value("roles", input.roles.clone())
        .value("names_consented", input.names_consented)
        .value("published", input.published)
        .value("search_tokens", tokens(muni, input, shared))
        .value("updated_at", Utc::now());
}

fn detail(input: &CaseStudyInput) -> serde_json::Value {
    serde_json::json!({
        "area_id": input.area_id,
        "source": input.source.map(|s| s.key()),
        "source_id": input.source_id,
        "title": input.title,
        "published": input.published,
        "names_consented": input.names_consented,
    })
}

pub async fn create(db: &Db, actor: &Actor, input: &CaseStudyInput, today: NaiveDate) -> Result<CaseStudy> {
    let muni = actor.municipality_id;
    let mut tx = db.begin().await?;
    check_in(&mut tx, muni, input, false).await?;
    let now = Utc::now();
    let id = tx
        .insert_id(
            &Query::insert()
                .into_table(TABLE)
                .columns([
                    "municipality_id",
                    "area_id",
                    "title",
                    "theme",
                    "problem",
                    "created_by",
                    "created_at",
                    "updated_at",
                ])
                .values_panic([
                    muni.into(),
                    input.area_id.into(),
                    input.title.clone().into(),
                    input.theme.clone().into(),
                    input.problem.clone().into(),
                    actor.user_id.into(),
                    now.into(),
                    now.into(),
                ])
                .to_owned(),
        )
        .await?;
    let mut up = Query::update();
    up.table(TABLE).and_where(Expr::col("id").eq(id));
    input_values(&mut up, muni, input, false);
    up.value("published_on", input.published.then_some(today));
    tx.execute(&up).await?;
    if input.published {
        crate::public::bump_in(&mut tx, muni).await?;
    }
    audit::record_on(
        &mut tx,
        actor,
        kyodo_core::audit::kind::CREATE,
        TABLE,
        id,
        detail(input),
    )
    .await?;
    tx.commit().await?;
    get(db, muni, id).await
}

/// Changes a case study; `version` is what the editor saw. A case first
/// published now is dated today; one taken off keeps its first date.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    version: i64,
    input: &CaseStudyInput,
    today: NaiveDate,
) -> Result<CaseStudy> {
    let muni = actor.municipality_id;
    let before = get(db, muni, id).await?;
    let mut tx = db.begin().await?;
    check_in(&mut tx, muni, input, before.shared).await?;
    let mut up = Query::update();
    up.table(TABLE)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("municipality_id").eq(muni))
        .and_where(Expr::col("version").eq(version))
        .value("version", Expr::col("version").add(1));
    input_values(&mut up, muni, input, before.shared);
    if input.published && before.published_on.is_none() {
        up.value("published_on", today);
    }
    if tx.execute(&up).await? == 0 {
        return Err(common::missing_or_conflict(&mut tx, TABLE, muni, id).await);
    }
    if input.published || before.published {
        crate::public::bump_in(&mut tx, muni).await?;
    }
    audit::record_on(
        &mut tx,
        actor,
        kyodo_core::audit::kind::UPDATE,
        TABLE,
        id,
        detail(input),
    )
    .await?;
    tx.commit().await?;
    get(db, muni, id).await
}

/// Shares a case study with the deployment's other municipalities, or
/// withdraws it (共有の取りやめ): from then on no other municipality finds
/// or opens it.
pub async fn set_shared(db: &Db, actor: &Actor, id: i64, shared: bool) -> Result<CaseStudy> {
    let muni = actor.municipality_id;
    let case = get(db, muni, id).await?;
    if case.shared == shared {
        return Ok(case);
    }
    let input = CaseStudyInput::from(&case);
    let mut tx = db.begin().await?;
    if shared {
        check_in(&mut tx, muni, &input, true).await?;
    }
    tx.execute(
        &Query::update()
            .table(TABLE)
            .value("shared", shared)
            .value("search_tokens", tokens(muni, &input, shared))
            .value("version", Expr::col("version").add(1))
            .value("updated_at", Utc::now())
            .and_where(Expr::col("id").eq(id))
            .and_where(Expr::col("municipality_id").eq(muni))
            .to_owned(),
    )
    .await?;
    let action = if shared { "share" } else { "withdraw_share" };
    audit::record_on(
        &mut tx,
        actor,
        action,
        TABLE,
        id,
        serde_json::json!({ "shared": shared }),
    )
    .await?;
    tx.commit().await?;
    get(db, muni, id).await
}

/// What a case study written from a record starts with: its district, its
/// title and theme, and the texts already written for the community (an
/// issue's report, a project's purpose and outcome). A resident's own
/// words (an issue's body, a meeting's minutes) are personal and are not
/// copied; the coordinator writes the problem in their own words.
pub struct Draft {
    pub area_id: i64,
    pub title: String,
    pub theme: String,
    pub problem: String,
    pub community_action: String,
    pub city_action: String,
    pub result: String,
}

pub async fn draft_from(db: &Db, municipality_id: i64, source: CaseSource, id: i64) -> Result<Draft> {
    match source {
        CaseSource::Issue => {
            let i = crate::issues::get(db, municipality_id, id).await?.issue;
            Ok(Draft {
                area_id: i.area_id,
                title: i.title,
                theme: i.category,
                problem: String::new(),
                community_action: String::new(),
                city_action: i.report_text.unwrap_or_default(),
                result: i.policy_reflection.unwrap_or_default(),
            })
        }
        CaseSource::Meeting => {
            let m = crate::meetings::get(db, municipality_id, id).await?;
            Ok(Draft {
                area_id: m.area_id,
                title: m.title,
                theme: m.kind.label().to_owned(),
                problem: String::new(),
                community_action: String::new(),
                city_action: String::new(),
                result: String::new(),
            })
        }
        CaseSource::Project => {
            let project = crate::plans::project(db, municipality_id, id).await?;
            let plan = crate::plans::get(db, municipality_id, project.plan_id).await?.plan;
            let body = crate::organisations::get(db, municipality_id, plan.organisation_id).await?;
            // A city-wide body has no district: the coordinator picks one.
            Ok(Draft {
                area_id: body.organisation.area_id.unwrap_or(0),
                title: project.name,
                theme: project.theme.unwrap_or_default(),
                problem: project.purpose.unwrap_or_default(),
                community_action: String::new(),
                city_action: String::new(),
                result: project.outcome.unwrap_or_default(),
            })
        }
    }
}
