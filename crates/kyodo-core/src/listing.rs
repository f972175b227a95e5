//! Paged, filtered, sorted lists: the query a list page or API call asks
//! for, and the page it gets back.

use serde::{Deserialize, Serialize};

pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 500;

/// What a caller asks of a list. Unknown sort keys fall back to the default.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Words to look for in names, readings and codes.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u32>,
    /// Rows per page (50 when not sent).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u32>,
    /// A column key; prefix `-` for descending. Unknown keys fall back to the list's default order.
    #[param(max_length = 100)]
    pub sort: Option<String>,
    /// Include archived records.
    pub archived: Option<bool>,
    /// Filter by area (organisations, staff home area).
    pub area_id: Option<i64>,
    /// Filter by department (staff).
    pub department_id: Option<i64>,
    /// Filter by kind (organisations) or grade (staff).
    #[param(max_length = 100)]
    pub kind: Option<String>,
    /// Continue after the record with this id, in the same order (keyset
    /// paging: a page deep in the list costs what the first does). Take it
    /// from the previous page's `next_after`; `page` is then ignored.
    #[param(minimum = 1)]
    pub after: Option<i64>,
}

/// The 1-based page asked for (first when absent or 0).
pub fn page_number(page: Option<u32>) -> u32 {
    page.unwrap_or(1).max(1)
}

/// Rows per page, within 1..=[`MAX_PER_PAGE`].
pub fn rows_per_page(per_page: Option<u32>) -> u32 {
    per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE)
}

/// Rows to skip for a page.
pub fn rows_before(page: Option<u32>, per_page: Option<u32>) -> u64 {
    u64::from(page_number(page) - 1) * u64::from(rows_per_page(per_page))
}

impl ListQuery {
    pub fn page(&self) -> u32 {
        page_number(self.page)
    }

    pub fn per_page(&self) -> u32 {
        rows_per_page(self.per_page)
    }

    pub fn offset(&self) -> u64 {
        rows_before(self.page, self.per_page)
    }

    /// The search words, normalised; `None` when blank.
    pub fn words(&self) -> Option<String> {
        self.q
            .as_deref()
            .map(crate::text::normalize_input)
            .filter(|q| !q.is_empty())
    }

    /// `(key, descending)` if `sort` names one of `allowed`, else `default`.
    pub fn sort_key<'a>(&self, allowed: &[&'a str], default: &'a str) -> (&'a str, bool) {
        let raw = self.sort.as_deref().unwrap_or("");
        let (desc, key) = match raw.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, raw),
        };
        match allowed.iter().find(|a| **a == key) {
            Some(found) => (found, desc),
            None => (default, false),
        }
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    /// `total` is a lower bound: counting stopped there (「…件以上」).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub more: bool,
    /// Where the next page starts (its `after`), when this page is full and
    /// the list is one that pages by key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    /// The same page carrying `items` instead (the API's views of the rows).
    pub fn with_items<U>(self, items: Vec<U>) -> Page<U> {
        Page {
            items,
            total: self.total,
            more: self.more,
            next_after: self.next_after,
            page: self.page,
            per_page: self.per_page,
        }
    }

    pub fn pages(&self) -> u32 {
        let per = u64::from(self.per_page.max(1));
        u32::try_from(self.total.div_ceil(per)).unwrap_or(u32::MAX).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_is_clamped() {
        let q = ListQuery {
            page: Some(0),
            per_page: Some(100_000),
            ..Default::default()
        };
        assert_eq!(q.page(), 1);
        assert_eq!(q.per_page(), MAX_PER_PAGE);
        assert_eq!(q.offset(), 0);
    }

    #[test]
    fn sort_accepts_only_known_keys() {
        let q = ListQuery {
            sort: Some("-name".into()),
            ..Default::default()
        };
        assert_eq!(q.sort_key(&["code", "name"], "code"), ("name", true));
        let q = ListQuery {
            sort: Some("password_hash".into()),
            ..Default::default()
        };
        assert_eq!(q.sort_key(&["code", "name"], "code"), ("code", false));
    }

    #[test]
    fn page_count_rounds_up() {
        let p: Page<()> = Page {
            items: vec![],
            total: 101,
            more: false,
            next_after: None,
            page: 1,
            per_page: 50,
        };
        assert_eq!(p.pages(), 3);
    }
}
