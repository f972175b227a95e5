//! Files sent and sent back: a multipart upload read from a page's form or
//! the API, and a stored file answered with its own type. Issues' photos and
//! a recognition application's documents share both.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kyodo_core::validation::FieldErrors;

use crate::AppState;
use crate::error::AppError;

/// A submitted upload: the file, the other fields it came with, and the
/// CSRF token of a page's form.
pub struct Upload {
    pub filename: String,
    pub content: Vec<u8>,
    pub fields: HashMap<String, String>,
    pub csrf: Option<String>,
}

/// Where an upload comes from: a page's form adds its CSRF token and may
/// carry fields the handler ignores; the API takes only what it names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Page,
    Api,
}

/// Reads the multipart body: the field `file` and the text fields `names`.
pub async fn read(
    state: &AppState,
    request: axum::extract::Request,
    source: Source,
    names: &[&str],
) -> Result<Upload, AppError> {
    let unreadable = || AppError::BadRequest("送信されたファイルを読み取れませんでした".into());
    let mut multipart = Multipart::from_request(request, state)
        .await
        .map_err(|_| match source {
            Source::Api => AppError::UnsupportedMediaType("multipart/form-data（file にファイル）"),
            Source::Page => AppError::BadRequest("ファイルを添付して送信してください".into()),
        })?;
    let mut upload = Upload {
        filename: String::new(),
        content: Vec::new(),
        fields: HashMap::new(),
        csrf: None,
    };
    let mut misfits = FieldErrors::new();
    let mut has_file = false;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.filename = field.file_name().unwrap_or_default().to_owned();
            has_file = true;
        }
        let data = field.bytes().await.map_err(|_| unreadable())?;
        match (name.as_str(), source) {
            ("file", _) => upload.content = data.to_vec(),
            ("_csrf", Source::Page) => upload.csrf = Some(String::from_utf8_lossy(&data).into_owned()),
            (known, _) if names.contains(&known) => {
                upload
                    .fields
                    .insert(name.clone(), String::from_utf8_lossy(&data).into_owned());
            }
            (_, Source::Page) => {}
            (other, Source::Api) => {
                let taken: Vec<&str> = std::iter::once("file").chain(names.iter().copied()).collect();
                misfits.add(
                    other,
                    format!("この項目はありません（{} だけです）", taken.join(" と ")),
                );
            }
        }
    }
    if source == Source::Api && !has_file {
        misfits.add("file", "必須の項目です");
    }
    misfits.into_result(upload).map_err(AppError::Contract)
}

/// A stored file as the answer. Photos and PDFs open in the browser; other
/// files download.
pub fn file_response(content_type: String, filename: &str, bytes: Vec<u8>) -> Response {
    let inline = content_type.starts_with("image/") || content_type == "application/pdf";
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        percent_encode(filename)
    );
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            // A file is never a page: no script runs in it, even if a browser sniffs.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// RFC 5987 encoding for a Japanese file name in Content-Disposition.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What the bytes are (by their first bytes) and a name safe to show, or
/// the message beside the form's `file` field.
pub fn checked(upload: &Upload) -> Result<(&'static str, String), AppError> {
    let content_type = kyodo_core::issues::attachments::content_type(&upload.filename, &upload.content)
        .map_err(|e| AppError::Invalid(FieldErrors::single("file", e.to_string())))?;
    Ok((
        content_type,
        kyodo_core::issues::attachments::clean_filename(&upload.filename),
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn japanese_names_are_percent_encoded() {
        assert_eq!(super::percent_encode("規約 v2.pdf"), "%E8%A6%8F%E7%B4%84%20v2.pdf");
    }
}
