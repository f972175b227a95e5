//! What an issue list asks for: filters, search words, sort and page.

use serde::{Deserialize, Serialize};

use super::IssueStatus;
use crate::listing::{self, ListQuery};

/// Filters of the issue list, the department inbox and the API.
/// Serialises to the query string it was read from (links keep their filters).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IssueQuery {
    /// Words to find in titles, texts and answers (Japanese bigram search).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1-based page number.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Rows per page (50 when not sent).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u32>,
    /// `received`, `due` or `updated`; prefix `-` for descending. Default `-received`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^-?(received|due|updated)$")]
    pub sort: Option<String>,
    /// One status or several, comma-separated (`received,sorted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(
        pattern = "^(received|sorted|drafted|reviewed|awaiting_answer|to_report|reported|closed)(,(received|sorted|drafted|reviewed|awaiting_answer|to_report|reported|closed))*$"
    )]
    pub status: Option<String>,
    /// `issue`, `request` or `proposal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^(issue|request|proposal)$")]
    pub kind: Option<String>,
    /// One of the scheme's categories.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(max_length = 100)]
    pub category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation_id: Option<i64>,
    /// Issues routed to this department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department_id: Option<i64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wareki::fiscal_year_param"
    )]
    #[param(minimum = 1900, maximum = 2200)]
    pub fiscal_year: Option<i32>,
    /// `community`, `city`, `joint` or `other_body`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[param(pattern = "^(community|city|joint|other_body)$")]
    pub responsibility: Option<String>,
    /// Only issues past their answer deadline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue: Option<bool>,
    /// Only 継続案件.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuing: Option<bool>,
    /// Only open issues (not 完了).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open: Option<bool>,
    /// With `department_id`: only routes still waiting for the department's answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<bool>,
    /// Only 継続案件 whose departments owe a progress answer (進捗回答) for
    /// the current round of the municipality's schedule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_due: Option<bool>,
    /// The current round's start, set by the server from the schedule (never read from the caller).
    #[serde(skip)]
    #[param(ignore)]
    pub progress_since: Option<chrono::NaiveDate>,
}

impl IssueQuery {
    pub fn page(&self) -> u32 {
        listing::page_number(self.page)
    }

    pub fn per_page(&self) -> u32 {
        listing::rows_per_page(self.per_page)
    }

    pub fn offset(&self) -> u64 {
        listing::rows_before(self.page, self.per_page)
    }

    /// The statuses asked for; unknown keys are ignored.
    pub fn statuses(&self) -> Vec<IssueStatus> {
        self.status
            .as_deref()
            .unwrap_or("")
            .split(',')
            .filter_map(|s| IssueStatus::try_from(s.trim().to_owned()).ok())
            .collect()
    }

    /// `(key, descending)`: `received` (default, newest first), `due`, `updated`.
    pub fn sort_key(&self) -> (&'static str, bool) {
        let raw = self.sort.as_deref().unwrap_or("-received");
        let (desc, key) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        match key {
            "due" => ("due", desc),
            "updated" => ("updated", desc),
            "received" => ("received", desc),
            _ => ("received", true),
        }
    }

    /// Whether anything but the words, the page and the sort narrows the list.
    pub fn has_filters(&self) -> bool {
        let text = [&self.status, &self.kind, &self.category, &self.responsibility];
        let ids = [self.area_id, self.organisation_id, self.department_id];
        let flags = [self.overdue, self.continuing, self.open, self.progress_due];
        text.iter().any(|v| v.as_deref().is_some_and(|s| !s.is_empty()))
            || ids.iter().any(Option::is_some)
            || self.fiscal_year.is_some()
            || flags.iter().any(|f| f.unwrap_or(false))
    }

    /// The generic list query, for the paging and sorting links of a page.
    pub fn as_list_query(&self) -> ListQuery {
        ListQuery {
            q: self.q.clone(),
            page: self.page,
            per_page: self.per_page,
            sort: self.sort.clone(),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_paging_are_not_filters() {
        let mut q = IssueQuery {
            q: Some("街灯".into()),
            page: Some(3),
            kind: Some(String::new()),
            ..Default::default()
        };
        assert!(!q.has_filters());
        q.open = Some(true);
        assert!(q.has_filters());
    }

    #[test]
    fn statuses_and_sort_fall_back_safely() {
        let q = IssueQuery {
            status: Some("received, awaiting_answer,bogus".into()),
            sort: Some("-password".into()),
            ..Default::default()
        };
        assert_eq!(q.statuses(), vec![IssueStatus::Received, IssueStatus::AwaitingAnswer]);
        assert_eq!(q.sort_key(), ("received", true));
        let q = IssueQuery {
            sort: Some("due".into()),
            ..Default::default()
        };
        assert_eq!(q.sort_key(), ("due", false));
    }
}
