//! Japanese full-text search by character bigrams (文字2-gram検索).
//!
//! Text is cut into runs of letters and digits, normalised (NFKC, lower
//! case, katakana as hiragana) and indexed as overlapping two-character
//! tokens, each prefixed with the municipality's id so that one tenant's
//! index entries never mix with another's. SQLite keeps the tokens in an
//! FTS5 table, PostgreSQL in a GIN index: both in the database, so every
//! server sees the same index. A query matches when every bigram of every
//! word is present; a one-character word matches tokens starting with it.

use crate::text::search_runs;

/// Queries longer than this many tokens are cut: more adds nothing but cost.
const MAX_QUERY_TOKENS: usize = 32;

/// One token of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Exact(String),
    /// A one-character word: any token that starts with it.
    Prefix(String),
}

fn token(tenant: i64, gram: &str) -> String {
    format!("{tenant}_{gram}")
}

/// The index tokens of `texts`, space-separated, without duplicates.
pub fn index_tokens(tenant: i64, texts: &[&str]) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for text in texts {
        for run in search_runs(text) {
            for gram in crate::text::bigrams(&run) {
                if seen.insert(gram.clone()) {
                    out.push(token(tenant, &gram));
                }
            }
        }
    }
    out.join(" ")
}

/// What an issue is filed under, as index tokens beside its text: its
/// district, organisation and the departments it was routed to. A search
/// within a caller's reach (a liaison's districts, a department) then
/// narrows in the index instead of row by row. A gram is at most two
/// characters, so these longer tokens never meet a text token.
pub fn scope_token(tenant: i64, kind: Scope, id: i64) -> String {
    let kind = match kind {
        Scope::Area => "area",
        Scope::Organisation => "org",
        Scope::Department => "dept",
    };
    format!("{tenant}_{kind}{id}")
}

/// The index tokens of a named record (staff, organisations) from its
/// search keys (`search_text`: code, name and reading as
/// [`crate::text::search_key`] made them, space-separated): every character
/// and every bigram of each key. Names are short, and a one-character
/// query (「田」) must find 山田 as `LIKE '%田%'` did.
pub fn record_tokens(tenant: i64, search_text: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for key in search_text.split(' ').filter(|k| !k.is_empty()) {
        let unigrams = key.chars().map(String::from);
        for gram in unigrams.chain(crate::text::bigrams(key)) {
            if seen.insert(gram.clone()) {
                out.push(token(tenant, &gram));
            }
        }
    }
    out.join(" ")
}

/// An issue's whole search text: the bigrams of its texts, then the scope
/// tokens of its district, organisation and the departments it was routed to,
/// so that a reach-limited search narrows inside the index.
pub fn issue_search_text(
    tenant: i64,
    texts: &[&str],
    area_id: i64,
    organisation_id: Option<i64>,
    departments: impl IntoIterator<Item = i64>,
) -> String {
    let mut out = index_tokens(tenant, texts);
    let mut scopes = vec![scope_token(tenant, Scope::Area, area_id)];
    scopes.extend(organisation_id.map(|o| scope_token(tenant, Scope::Organisation, o)));
    scopes.extend(
        departments
            .into_iter()
            .map(|d| scope_token(tenant, Scope::Department, d)),
    );
    scopes.dedup();
    for s in scopes {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&s);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Area,
    Organisation,
    Department,
}

/// The terms a query `q` must all match; empty when `q` has no letters.
pub fn query_terms(tenant: i64, q: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    for run in search_runs(q) {
        if run.chars().count() == 1 {
            terms.push(Term::Prefix(token(tenant, &run)));
        } else {
            for gram in crate::text::bigrams(&run) {
                let t = Term::Exact(token(tenant, &gram));
                if !terms.contains(&t) {
                    terms.push(t);
                }
            }
        }
    }
    terms.truncate(MAX_QUERY_TOKENS);
    terms
}

/// The terms as an SQLite FTS5 MATCH expression (`and`: all, else any).
pub fn fts5_match(terms: &[Term], and: bool) -> String {
    let parts: Vec<String> = terms
        .iter()
        .map(|t| match t {
            Term::Exact(s) => format!("\"{}\"", s.replace('"', "\"\"")),
            Term::Prefix(s) => format!("\"{}\"*", s.replace('"', "\"\"")),
        })
        .collect();
    parts.join(if and { " AND " } else { " OR " })
}

/// All of `terms`, and one of the `scopes` tokens when there are any (FTS5).
pub fn fts5_scoped(terms: &[Term], scopes: &[String]) -> String {
    let text = fts5_match(terms, true);
    if scopes.is_empty() {
        return text;
    }
    let any: Vec<Term> = scopes.iter().map(|s| Term::Exact(s.clone())).collect();
    format!("({text}) AND ({})", fts5_match(&any, false))
}

/// The same as a PostgreSQL `tsquery`.
pub fn tsquery_scoped(terms: &[Term], scopes: &[String]) -> String {
    let text = tsquery(terms, true);
    if scopes.is_empty() {
        return text;
    }
    let any: Vec<Term> = scopes.iter().map(|s| Term::Exact(s.clone())).collect();
    format!("({text}) & ({})", tsquery(&any, false))
}

/// The terms as a PostgreSQL `tsquery` literal (`and`: all, else any).
pub fn tsquery(terms: &[Term], and: bool) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"));
    let parts: Vec<String> = terms
        .iter()
        .map(|t| match t {
            Term::Exact(s) => quote(s),
            Term::Prefix(s) => format!("{}:*", quote(s)),
        })
        .collect();
    parts.join(if and { " & " } else { " | " })
}

/// Below this share of a text's bigrams, a "similar" match is a coincidence.
pub const MIN_OVERLAP: f64 = 0.25;

/// The terms a "similar" lookup ranks by: the text's bigrams. A
/// one-character word says too little to rank by.
pub fn similar_terms(tenant: i64, text: &str) -> Vec<Term> {
    query_terms(tenant, text)
        .into_iter()
        .filter(|t| matches!(t, Term::Exact(_)))
        .collect()
}

/// The candidates of a "similar" lookup, each `(id, stored tokens, item)`,
/// best first by [`overlap`] with `terms` (the newest, highest id, first on a
/// tie), coincidences under [`MIN_OVERLAP`] dropped, at most `limit`.
pub fn rank_similar<T>(terms: &[Term], candidates: impl IntoIterator<Item = (i64, String, T)>, limit: usize) -> Vec<T> {
    let wanted = Wanted::of(terms);
    let mut scored: Vec<(f64, i64, T)> = candidates
        .into_iter()
        .map(|(id, stored, item)| (wanted.share_in(&stored), id, item))
        .filter(|(score, _, _)| *score >= MIN_OVERLAP)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    scored.into_iter().take(limit).map(|(_, _, item)| item).collect()
}

/// For "similar" lookups: any run of two consecutive query tokens (a
/// three-character phrase) — far more selective than any single bigram,
/// yet forgiving of different wording around it. `(fts5, tsquery)`.
pub fn phrase_windows(terms: &[Term]) -> (String, String) {
    if terms.len() < 2 {
        return (fts5_match(terms, false), tsquery(terms, false));
    }
    let (mut fts, mut ts) = (Vec::new(), Vec::new());
    for pair in terms.windows(2) {
        fts.push(format!("({})", fts5_match(pair, true)));
        ts.push(format!("({})", tsquery(pair, true)));
    }
    (fts.join(" OR "), ts.join(" | "))
}

/// How much of the query's tokens a stored token list shares (0.0–1.0).
pub fn overlap(terms: &[Term], stored: &str) -> f64 {
    Wanted::of(terms).share_in(stored)
}

/// A query's exact tokens, to count in many stored lists: one pass over
/// each list, without building a set of it.
struct Wanted<'a> {
    tokens: std::collections::HashSet<&'a str>,
    total: usize,
}

impl<'a> Wanted<'a> {
    fn of(terms: &'a [Term]) -> Self {
        let tokens = terms
            .iter()
            .filter_map(|t| match t {
                Term::Exact(s) => Some(s.as_str()),
                Term::Prefix(_) => None,
            })
            .collect();
        Wanted {
            tokens,
            total: terms.len(),
        }
    }

    fn share_in(&self, stored: &str) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        // A stored list names each token once (index_tokens), so a hit is not counted twice.
        let hits = stored.split(' ').filter(|t| self.tokens.contains(t)).count();
        hits.min(self.tokens.len()) as f64 / self.total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_records_tokens_answer_one_character_and_two() {
        let key = crate::text::search_key("山田 太郎");
        let tokens = record_tokens(3, &format!("e012 {key}"));
        let has = |t: &str| tokens.split(' ').any(|x| x == t);
        assert!(has("3_田"), "one character: 田 finds 山田");
        assert!(has("3_山田") && has("3_田太"), "bigrams across the name's space");
        assert!(has("3_e0") && has("3_12"));
        assert!(!has("3_2e"), "no bigram spans two keys");
    }

    #[test]
    fn two_character_words_are_one_token() {
        assert_eq!(index_tokens(7, &["防災"]), "7_防災");
        assert_eq!(query_terms(7, "側溝"), vec![Term::Exact("7_側溝".into())]);
    }

    #[test]
    fn width_and_kana_differences_make_the_same_tokens() {
        let stored = index_tokens(1, &["ｶﾞｲﾄｳの設置（ＬＥＤ）"]);
        for q in ["ガイトウ", "がいとう", "led", "ＬＥＤ"] {
            for term in query_terms(1, q) {
                let Term::Exact(t) = term else { panic!() };
                assert!(stored.split(' ').any(|s| s == t), "{q}: {t} not in {stored}");
            }
        }
    }

    #[test]
    fn words_do_not_bridge_spaces_or_punctuation() {
        let stored = index_tokens(1, &["防災　訓練。"]);
        assert!(!stored.contains("災訓"), "{stored}");
    }

    #[test]
    fn similar_lookups_match_phrases_and_score_by_shared_tokens() {
        let terms = query_terms(1, "街灯切れ");
        let (fts, ts) = phrase_windows(&terms);
        assert_eq!(fts, "(\"1_街灯\" AND \"1_灯切\") OR (\"1_灯切\" AND \"1_切れ\")");
        assert_eq!(ts, "('1_街灯' & '1_灯切') | ('1_灯切' & '1_切れ')");
        let stored = index_tokens(1, &["街灯が切れている"]);
        assert!(
            (overlap(&terms, &stored) - 2.0 / 3.0).abs() < 1e-9,
            "街灯 and 切れ, not 灯切"
        );
    }

    #[test]
    fn similar_candidates_rank_by_shared_tokens_then_newest_and_drop_coincidences() {
        let terms = similar_terms(1, "街灯が切れた 田");
        assert!(
            terms.iter().all(|t| matches!(t, Term::Exact(_))),
            "田 alone does not rank"
        );
        let candidates = vec![
            (1, index_tokens(1, &["街灯が切れた"]), "old, whole"),
            (2, index_tokens(1, &["街灯の球が切れた"]), "part"),
            (3, index_tokens(1, &["側溝の清掃"]), "unrelated"),
            (4, index_tokens(1, &["街灯が切れた"]), "new, whole"),
        ];
        assert_eq!(
            rank_similar(&terms, candidates.clone(), 10),
            ["new, whole", "old, whole", "part"]
        );
        assert_eq!(rank_similar(&terms, candidates, 1), ["new, whole"]);
    }

    #[test]
    fn scope_tokens_narrow_a_search_and_never_meet_text() {
        let terms = query_terms(2, "街灯");
        let scopes = vec![scope_token(2, Scope::Area, 5), scope_token(2, Scope::Area, 6)];
        assert_eq!(
            fts5_scoped(&terms, &scopes),
            "(\"2_街灯\") AND (\"2_area5\" OR \"2_area6\")"
        );
        assert_eq!(tsquery_scoped(&terms, &scopes), "('2_街灯') & ('2_area5' | '2_area6')");
        // "area" in a text is cut into bigrams, none of which is a scope token.
        assert!(!index_tokens(2, &["area5"]).split(' ').any(|t| t == "2_area5"));
    }

    #[test]
    fn query_syntax_for_each_database() {
        let terms = query_terms(3, "街灯 川");
        assert_eq!(fts5_match(&terms, true), "\"3_街灯\" AND \"3_川\"*");
        assert_eq!(tsquery(&terms, true), "'3_街灯' & '3_川':*");
        assert_eq!(tsquery(&terms, false), "'3_街灯' | '3_川':*");
        assert!(query_terms(3, "、。！").is_empty());
    }
}
