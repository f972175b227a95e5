//! The public case studies (事例集): the municipality's published cases,
//! searchable by words, and each case on its own page.

use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use kyodo_core::public::PublicCaseStudy;
use kyodo_core::wareki::format_date_wareki;

use super::cache::{self, Rendered};
use super::pages::{Site, html};
use super::view::{Block, LinkItem};
use crate::AppState;
use crate::api::{PagePath, PageQuery};
use crate::error::{AppError, PageResult};

/// Cases a list shows at most; a search narrows it.
const LIST_LIMIT: u64 = 100;

/// Cases as links, each with its district and theme.
pub(super) fn links_block(title: &str, site: &Site, cases: &[PublicCaseStudy]) -> Block {
    Block::Links {
        title: title.into(),
        items: cases
            .iter()
            .map(|c| LinkItem {
                label: c.title.clone(),
                href: format!("{}/case-studies/{}", site.home(), c.id),
                note: format!("{}・{}", c.area_name, c.theme),
            })
            .collect(),
        empty: "公開された事例はまだありません。",
    }
}

#[derive(serde::Deserialize, Default)]
pub struct CasesQuery {
    pub q: Option<String>,
}

/// The list, newest first, or what matches `q`.
pub async fn list(
    State(state): State<AppState>,
    PagePath(code): PagePath<String>,
    PageQuery(query): PageQuery<CasesQuery>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    Ok(cache::serve(
        &state,
        &headers,
        &code,
        uri.to_string(),
        list_page(&state, &code, query),
    )
    .await?)
}

async fn list_page(state: &AppState, code: &str, query: CasesQuery) -> Rendered {
    let site = Site::load(state, code).await?;
    let words = query.q.filter(|q| !q.trim().is_empty());
    let cases = site.cases(state, None, words.clone(), LIST_LIMIT).await?;
    let path = format!("{}/case-studies", site.home());
    let mut page = site.page(
        &path,
        "事例集".into(),
        format!("{}の地域の取組と市の対応の事例", site.muni.name),
    );
    page.lead = Some("地域が抱えた課題に、地域と市がどう取り組み、どうなったかをまとめた事例です。".into());
    page.blocks.push(Block::CaseSearch {
        action: path,
        value: words.clone().unwrap_or_default(),
    });
    let title = match &words {
        Some(w) => format!("「{w}」の事例"),
        None => "新しい事例".into(),
    };
    page.blocks.push(links_block(&title, &site, &cases));
    html(&page)
}

/// A photo's alternative text: the case it shows, and which.
pub(crate) fn photo_alt(title: &str, index: usize) -> String {
    format!("「{title}」の写真{}", index + 1)
}

/// One case study.
pub async fn case(
    State(state): State<AppState>,
    PagePath((code, id)): PagePath<(String, i64)>,
    uri: Uri,
    headers: HeaderMap,
) -> PageResult<Response> {
    Ok(cache::serve(&state, &headers, &code, uri.to_string(), case_page(&state, &code, id)).await?)
}

async fn case_page(state: &AppState, code: &str, id: i64) -> Rendered {
    let site = Site::load(state, code).await?;
    let row = kyodo_store::case_studies::get(&state.db, site.muni.id, id).await?;
    let c = PublicCaseStudy::of(&row).ok_or(AppError::NotFound)?;
    let path = format!("{}/case-studies/{id}", site.home());
    let mut page = site.page(&path, c.title.clone(), c.problem.chars().take(120).collect());
    page.breadcrumbs
        .push(("事例集".into(), format!("{}/case-studies", site.home())));
    page.facts = vec![("地区".into(), c.area_name.clone()), ("分野".into(), c.theme.clone())];
    if let Some(on) = c.published_on {
        page.facts.push(("公開日".into(), format_date_wareki(on)));
    }
    for (title, text) in [
        ("課題", Some(c.problem.clone())),
        ("地域の取組", c.community_action.clone()),
        ("市の対応", c.city_action.clone()),
        ("成果", c.result.clone()),
        ("関わった人", c.roles.clone()),
    ] {
        if let Some(text) = text.filter(|t| !t.is_empty()) {
            page.blocks.push(Block::Text { title, text });
        }
    }
    let photos = kyodo_store::case_studies::photos::list(&state.db, id).await?;
    if !photos.is_empty() {
        page.blocks.push(Block::Photos {
            title: "写真".into(),
            photos: photos
                .iter()
                .enumerate()
                .map(|(n, p)| (format!("{path}/photos/{}", p.id), photo_alt(&c.title, n)))
                .collect(),
        });
    }
    page.blocks.push(Block::Links {
        title: "この地区のページ".into(),
        items: vec![LinkItem {
            label: c.area_name.clone(),
            href: format!("{}/areas/{}", site.home(), c.area_id),
            note: String::new(),
        }],
        empty: "",
    });
    html(&page)
}

/// A photo of a published case: the copy without the camera's metadata.
pub async fn photo(
    State(state): State<AppState>,
    PagePath((code, id, photo_id)): PagePath<(String, i64, i64)>,
    headers: HeaderMap,
) -> PageResult<Response> {
    let site = Site::load(&state, &code).await?;
    let case = kyodo_store::case_studies::get(&state.db, site.muni.id, id).await?;
    PublicCaseStudy::of(&case).ok_or(AppError::NotFound)?;
    let (photo, bytes) = kyodo_store::case_studies::photos::content(&state.db, id, photo_id).await?;
    let content_type = kyodo_core::images::PUBLISHABLE
        .into_iter()
        .find(|t| *t == photo.content_type)
        .ok_or(AppError::NotFound)?;
    // A photo never changes under its number: its number is its tag.
    let etag = format!("\"photo-{}\"", photo.id);
    Ok(super::respond(&headers, content_type, &etag, bytes.into()))
}
