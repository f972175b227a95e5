use kyodo_store::testing::fresh_database;

#[tokio::test]
async fn migrations_apply_once_and_are_idempotent() {
    let (db, _guard) = fresh_database().await.expect("fresh database");
    let again = kyodo_store::migrations::migrate(&db).await.unwrap();
    assert_eq!(again, 0, "a second run applies nothing");
}

#[tokio::test]
async fn search_keys_made_before_variant_folding_are_rebuilt_once() {
    let (db, _guard) = fresh_database().await.expect("fresh database");
    kyodo_store::demo::load(&db, "arao", chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(), "x")
        .await
        .unwrap();
    // A database from before the fold: keys hold 髙 and 﨑 as typed (and
    // the index tokens, made from them, the same).
    db.execute_raw("UPDATE staff SET search_text = name, search_tokens = NULL")
        .await
        .unwrap();
    db.execute_raw("DELETE FROM kyodo_search_keys").await.unwrap();
    let muni = kyodo_store::municipalities::by_code(&db, "432041")
        .await
        .unwrap()
        .unwrap();
    let search = |q: &str| kyodo_core::listing::ListQuery {
        q: Some(q.to_owned()),
        ..Default::default()
    };
    let stale = kyodo_store::staff::list(&db, muni.id, &search("高木")).await.unwrap();
    assert_eq!(stale.total, 0, "the old keys miss the variant");

    let rebuilt = kyodo_store::search_keys::rebuild_if_stale(&db).await.unwrap();
    assert!(rebuilt > 0);
    let found = kyodo_store::staff::list(&db, muni.id, &search("高木")).await.unwrap();
    assert!(found.total > 0, "高木 finds 髙木 after the rebuild");
    assert!(
        found
            .items
            .iter()
            .all(|s| s.staff.name.contains('髙') || s.staff.name.contains('高'))
    );
    assert_eq!(
        kyodo_store::search_keys::rebuild_if_stale(&db).await.unwrap(),
        0,
        "once is enough"
    );
}

/// Several servers started together on a new database all come up: each
/// migration is applied once, by whichever gets to it first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_starting_together_on_a_new_database_all_migrate() {
    let guard = kyodo_store::testing::unmigrated_database()
        .await
        .expect("empty database");
    let (a, b) = (
        kyodo_store::Db::connect(&guard.url).await.unwrap(),
        kyodo_store::Db::connect(&guard.url).await.unwrap(),
    );
    let (on_a, on_b) = tokio::join!(
        kyodo_store::migrations::migrate(&a),
        kyodo_store::migrations::migrate(&b)
    );
    let (on_a, on_b) = (
        on_a.expect("first server migrates"),
        on_b.expect("second server migrates"),
    );
    let recorded = a
        .fetch_i64(
            &sea_query::Query::select()
                .expr(sea_query::ExprTrait::count(sea_query::Expr::col("version")))
                .from("kyodo_migrations")
                .to_owned(),
        )
        .await
        .unwrap();
    assert_eq!(on_a + on_b, usize::try_from(recorded).unwrap(), "each applied once");
    assert!(recorded > 0);
    assert_eq!(kyodo_store::migrations::migrate(&b).await.unwrap(), 0);
    a.close().await;
    b.close().await;
}
