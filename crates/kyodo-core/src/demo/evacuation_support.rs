//! The demo's residents needing support (避難行動要支援者) on the first
//! body's register. Invented people, marked 見本 so nobody takes them for
//! real ones.

use chrono::{Datelike, NaiveDate};

use crate::evacuation_support::SupportedResidentInput;

pub fn supported_residents(today: NaiveDate) -> Vec<SupportedResidentInput> {
    let spring = NaiveDate::from_ymd_opt(today.year() - 1, 5, 10).unwrap_or(today);
    let entry =
        |name: &str, kana: &str, address: &str, needs: &str, supporters: &str, method: &str| SupportedResidentInput {
            name: name.to_owned(),
            name_kana: Some(kana.to_owned()),
            address: address.to_owned(),
            phone: None,
            needs: needs.to_owned(),
            consent_on: spring,
            supporters: Some(supporters.to_owned()),
            destination: Some("公民館（一次避難所）".to_owned()),
            method: Some(method.to_owned()),
            plan_made_on: Some(spring),
        };
    vec![
        entry(
            "見本 ハナ",
            "ミホン ハナ",
            "1丁目2-3",
            "ひとり暮らし、歩行に杖が必要",
            "隣の見本 一郎さん、班長",
            "車いすを公民館から借り、班長が付き添う。川沿いの道は通らない",
        ),
        entry(
            "見本 トメ",
            "ミホン トメ",
            "3丁目4-5",
            "要介護2、夜間は家族が不在",
            "民生委員、防災部会",
            "大雨の予報が出たら明るいうちに避難。薬と補聴器を持つ",
        ),
    ]
}
