use chrono::{Duration, Utc};
use kyodo_core::accounts::Role;
use kyodo_store::accounts::{self, NewUser};
use kyodo_store::audit::Actor;
use kyodo_store::testing::fresh_database;
use sea_query::{Expr, ExprTrait, Query};

#[tokio::test]
async fn expired_sessions_are_purged_and_live_ones_kept() {
    let (db, _guard) = fresh_database().await.unwrap();
    let scheme = kyodo_core::scheme::preset("arao").unwrap().scheme;
    let muni = kyodo_store::municipalities::create(&db, "432041", "荒尾市", &scheme)
        .await
        .unwrap();
    let user = accounts::create(
        &db,
        &Actor::command_line(muni.id),
        &NewUser {
            login: "someone".into(),
            display_name: "誰か".into(),
            role: Role::Coordinator,
            staff_id: None,
            department_id: None,
            organisation_id: None,
            password_hash: "not-a-real-hash".into(),
        },
    )
    .await
    .unwrap();
    accounts::create_session(&db, "live", user.id, "csrf1").await.unwrap();
    accounts::create_session(&db, "stale", user.id, "csrf2").await.unwrap();
    db.execute(
        &Query::update()
            .table("sessions")
            .value("expires_at", Utc::now() - Duration::minutes(1))
            .and_where(Expr::col("id_hash").eq("stale"))
            .to_owned(),
    )
    .await
    .unwrap();
    assert!(
        accounts::session_user(&db, "stale").await.unwrap().is_none(),
        "an expired session signs nobody in"
    );
    assert_eq!(accounts::purge_expired(&db).await.unwrap(), 1);
    let (live, csrf) = accounts::session_user(&db, "live")
        .await
        .unwrap()
        .expect("live session");
    assert_eq!((live.id, csrf.as_str()), (user.id, "csrf1"));
}
