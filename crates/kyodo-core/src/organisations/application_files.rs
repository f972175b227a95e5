//! Documents attached to the recognition application (申請書類): the 規約,
//! the 役員名簿, the minutes of the 設立総会 and the like, as the files the
//! body keeps them in. An application lists the files it was made with, and
//! those stay: the coordinator's decision refers to them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::recognition::RecognitionStatus;

/// Files per body: the documents of an application and their revisions.
pub const MAX_PER_BODY: usize = 20;

/// What a document is, as the application form names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 規約.
    Bylaws,
    /// 役員名簿: names and often addresses, so every download is logged.
    OfficerList,
    /// 設立総会の議事録.
    Minutes,
    /// 将来計画 (as adopted, when the body keeps it as a document too).
    FuturePlan,
    /// 区域の図面.
    AreaMap,
    /// その他.
    Other,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 6] = [
        DocumentKind::Bylaws,
        DocumentKind::OfficerList,
        DocumentKind::Minutes,
        DocumentKind::FuturePlan,
        DocumentKind::AreaMap,
        DocumentKind::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DocumentKind::Bylaws => "bylaws",
            DocumentKind::OfficerList => "officer_list",
            DocumentKind::Minutes => "minutes",
            DocumentKind::FuturePlan => "future_plan",
            DocumentKind::AreaMap => "area_map",
            DocumentKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Bylaws => "規約",
            DocumentKind::OfficerList => "役員名簿",
            DocumentKind::Minutes => "設立総会の議事録",
            DocumentKind::FuturePlan => "将来計画",
            DocumentKind::AreaMap => "区域の図面",
            DocumentKind::Other => "その他",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.key() == key)
    }

    /// Whether the document names people (so reading it is logged).
    pub fn names_people(self) -> bool {
        self == DocumentKind::OfficerList
    }
}

impl TryFrom<String> for DocumentKind {
    type Error = String;

    fn try_from(key: String) -> Result<Self, Self::Error> {
        DocumentKind::from_key(&key).ok_or_else(|| format!("unknown document kind {key}"))
    }
}

/// A stored document, without its content.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct ApplicationFile {
    pub id: i64,
    pub organisation_id: i64,
    #[cfg_attr(feature = "sqlx", sqlx(try_from = "String"))]
    pub kind: DocumentKind,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// The day of the first application made with it; from then on it is
    /// part of the record and cannot be removed.
    pub applied_on: Option<NaiveDate>,
    pub uploaded_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Why the documents cannot change now: while the coordinator reviews an
/// application, it is what was sent.
pub fn refusal(status: RecognitionStatus) -> Option<&'static str> {
    (status == RecognitionStatus::Applied)
        .then_some("申請中は申請書類を変えられません。差戻しを受けてから追加・削除してください")
}

/// Why `file` cannot be removed.
pub fn removal_refusal(status: RecognitionStatus, file: &ApplicationFile) -> Option<String> {
    if let Some(message) = refusal(status) {
        return Some(message.to_owned());
    }
    file.applied_on.map(|on| {
        format!(
            "{}の申請に添付した書類は記録として残すため削除できません。新しい版を追加してください",
            crate::wareki::format_date_wareki(on)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(applied_on: Option<NaiveDate>) -> ApplicationFile {
        ApplicationFile {
            id: 1,
            organisation_id: 1,
            kind: DocumentKind::Bylaws,
            filename: "規約.pdf".into(),
            content_type: "application/pdf".into(),
            size: 10,
            applied_on,
            uploaded_by: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn documents_are_fixed_while_applied_and_once_applied_with() {
        assert!(refusal(RecognitionStatus::Applied).is_some());
        assert!(refusal(RecognitionStatus::Returned).is_none());
        assert!(removal_refusal(RecognitionStatus::None, &file(None)).is_none());
        let day = NaiveDate::from_ymd_opt(2026, 10, 1).expect("a real date");
        let refused = removal_refusal(RecognitionStatus::Returned, &file(Some(day))).expect("refused");
        assert!(refused.contains("令和8年10月1日"), "{refused}");
        assert!(removal_refusal(RecognitionStatus::Applied, &file(None)).is_some());
    }

    #[test]
    fn kinds_round_trip_by_key() {
        for kind in DocumentKind::ALL {
            assert_eq!(DocumentKind::from_key(kind.key()), Some(kind));
        }
        assert!(DocumentKind::OfficerList.names_people());
        assert!(!DocumentKind::Bylaws.names_people());
    }
}
