use kyodo_store::testing::fresh_database;

#[tokio::test]
async fn migrations_apply_once_and_are_idempotent() {
    let (db, _guard) = fresh_database().await.expect("fresh database");
    let again = kyodo_store::migrations::migrate(&db).await.unwrap();
    assert_eq!(again, 0, "a second run applies nothing");
}
