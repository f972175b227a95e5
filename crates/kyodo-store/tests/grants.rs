//! Grant schemes in the store: concurrent saves of one (年度, 名称).

use kyodo_core::grants::formula::{Component, Formula, Price};
use kyodo_core::grants::schemes::GrantSchemeInput;
use kyodo_core::validation::FieldErrors;
use kyodo_store::audit::Actor;
use kyodo_store::error::StoreError;
use kyodo_store::grants::schemes::{self, SchemeContent};
use kyodo_store::testing::fresh_database;

#[tokio::test]
async fn two_saves_of_one_name_at_once_leave_one_scheme_and_a_field_message() {
    let (db, _guard) = fresh_database().await.unwrap();
    let scheme = kyodo_core::scheme::preset("arao").unwrap().scheme;
    let muni = kyodo_store::municipalities::create(&db, "432041", "荒尾市", &scheme)
        .await
        .unwrap();
    let actor = Actor::command_line(muni.id);
    let input = GrantSchemeInput {
        fiscal_year: 2027,
        name: "地区協議会交付金".into(),
        reference_date: chrono::NaiveDate::from_ymd_opt(2027, 4, 1).unwrap(),
        note: None,
    };
    let formula = Formula {
        components: vec![Component::Equal {
            name: "均等割".into(),
            price: Price::Fixed { yen: 100_000 },
        }],
        rounding_unit: 1,
        ..Default::default()
    };
    let rules = kyodo_core::grants::rules::ProcedureRules::default();
    let save = || {
        schemes::create(
            &db,
            &actor,
            SchemeContent {
                input: &input,
                formula: &formula,
                staffed: &[],
                rules: &rules,
            },
        )
    };
    let (a, b) = tokio::join!(save(), save());
    let outcomes = [a, b];
    assert_eq!(outcomes.iter().filter(|r| r.is_ok()).count(), 1, "one scheme is made");
    let refused = outcomes
        .into_iter()
        .find_map(Result::err)
        .expect("the other is refused");
    match refused {
        StoreError::Invalid(FieldErrors { errors }) => {
            assert_eq!(errors[0].field, "name");
            assert!(errors[0].message.contains("もうあります"), "{}", errors[0].message);
        }
        other => panic!("a field message, not {other:?}"),
    }
    assert_eq!(schemes::list(&db, muni.id).await.unwrap().len(), 1);
}
