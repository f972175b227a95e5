//! Photos and files on an issue (写真・添付ファイル): which kinds are taken,
//! how large, and a file name that is safe to show and to send back.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One file: 10 MB holds a phone photo or a scanned A4 PDF.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// Files per issue: past this, the issue is a folder, not a record.
pub const MAX_PER_ISSUE: usize = 20;
const MAX_NAME_CHARS: usize = 100;

/// A stored file, without its content.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Attachment {
    pub id: i64,
    pub issue_id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// City staff only (庁内のみ): never shown to the community.
    pub internal: bool,
    pub uploaded_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Attachment {
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AttachmentError {
    #[error("ファイルが空です")]
    Empty,
    #[error("ファイルが大きすぎます（{size_mb:.1}MB）。1件10MBまでです")]
    TooLarge { size_mb: f64 },
    #[error(
        "この種類のファイルは添付できません。写真（JPEG・PNG・GIF・WebP・HEIC）、PDF、Excel・Word・PowerPoint（xlsx・docx・pptx）を添付してください"
    )]
    Unsupported,
    #[error("添付は1件の課題につき{MAX_PER_ISSUE}件までです")]
    TooMany,
}

/// What the bytes are, by their first bytes, not by the name or the type
/// the browser claims: a renamed program is refused.
pub fn content_type(filename: &str, bytes: &[u8]) -> Result<&'static str, AttachmentError> {
    if bytes.is_empty() {
        return Err(AttachmentError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(AttachmentError::TooLarge {
            size_mb: bytes.len() as f64 / (1024.0 * 1024.0),
        });
    }
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    let extension = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let found = if starts(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        "image/gif"
    } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        "image/webp"
    } else if bytes.get(4..8) == Some(b"ftyp") && matches!(bytes.get(8..12), Some(b"heic" | b"heix" | b"mif1")) {
        "image/heic"
    } else if starts(b"%PDF-") {
        "application/pdf"
    } else if starts(b"PK\x03\x04") {
        // Office files are zip archives; the extension says which.
        match extension.as_deref() {
            Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Some("pptx") => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            _ => return Err(AttachmentError::Unsupported),
        }
    } else {
        return Err(AttachmentError::Unsupported);
    };
    Ok(found)
}

/// The name without any folder, control characters or quotes, at most
/// 100 characters; `添付ファイル` when nothing is left.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    if cleaned.is_empty() {
        return "添付ファイル".into();
    }
    let count = cleaned.chars().count();
    if count <= MAX_NAME_CHARS {
        return cleaned.to_owned();
    }
    // Keep the extension when shortening.
    match cleaned.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() <= 8 => {
            let keep = MAX_NAME_CHARS - ext.chars().count() - 1;
            format!("{}.{ext}", stem.chars().take(keep).collect::<String>())
        }
        _ => cleaned.chars().take(MAX_NAME_CHARS).collect(),
    }
}

/// A size for people: 532KB, 2.4MB.
pub fn size_label(size: i64) -> String {
    if size < 1024 * 1024 {
        format!("{}KB", (size + 1023) / 1024)
    } else {
        format!("{:.1}MB", size as f64 / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_bytes_not_the_name() {
        assert_eq!(content_type("x.jpg", &[0xFF, 0xD8, 0xFF, 0xE0]), Ok("image/jpeg"));
        assert_eq!(content_type("photo.txt", b"\x89PNG\r\n\x1a\n...."), Ok("image/png"));
        assert_eq!(content_type("a.pdf", b"%PDF-1.7"), Ok("application/pdf"));
        assert_eq!(
            content_type("IMG_0001.HEIC", b"\0\0\0\x18ftypheic...."),
            Ok("image/heic")
        );
        assert!(
            content_type("名簿.xlsx", b"PK\x03\x04rest")
                .unwrap()
                .contains("spreadsheet")
        );
        // A zip that is not an Office file, and a program named as a photo.
        assert_eq!(
            content_type("a.zip", b"PK\x03\x04rest"),
            Err(AttachmentError::Unsupported)
        );
        assert_eq!(
            content_type("photo.jpg", b"MZ\x90\0"),
            Err(AttachmentError::Unsupported)
        );
        assert_eq!(
            content_type("a.svg", b"<svg onload=alert(1)>"),
            Err(AttachmentError::Unsupported)
        );
    }

    #[test]
    fn empty_and_oversized_files_are_refused_with_the_reason() {
        assert_eq!(content_type("a.jpg", b""), Err(AttachmentError::Empty));
        let mut big = vec![0; MAX_BYTES + 1];
        big[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
        let err = content_type("a.jpg", &big).unwrap_err();
        assert_eq!(err.to_string(), "ファイルが大きすぎます（10.0MB）。1件10MBまでです");
        assert!(content_type("a.jpg", &big[..MAX_BYTES]).is_ok());
    }

    #[test]
    fn file_names_lose_folders_and_unsafe_characters() {
        assert_eq!(clean_filename("C:\\Users\\市役所\\現場写真.jpg"), "現場写真.jpg");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\"b<c>\n.pdf"), "abc.pdf");
        assert_eq!(clean_filename("..."), "添付ファイル");
        let long = format!("{}.jpeg", "写".repeat(150));
        let short = clean_filename(&long);
        assert_eq!(short.chars().count(), 100);
        assert!(short.ends_with(".jpeg"));
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_label(1), "1KB");
        assert_eq!(size_label(532 * 1024), "532KB");
        assert_eq!(size_label(2_516_582), "2.4MB");
    }
}
