//! Character encodings (文字コード) of CSV files exchanged with Excel in Japan:
//! UTF-8 (written with a BOM) and CP932, the Windows variant of Shift_JIS.

use std::fmt;
use std::str::FromStr;

use encoding_rs::{DecoderResult, EncoderResult, SHIFT_JIS};
use serde::{Deserialize, Serialize};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How many unmappable characters an error message lists before "…".
const MAX_LISTED_CHARS: usize = 10;

/// A text encoding for CSV import and export (文字コード).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub enum TextEncoding {
    /// UTF-8; written with a BOM so that Excel recognises it.
    #[default]
    #[serde(rename = "utf-8", alias = "utf8")]
    Utf8,
    /// CP932 (Windows-31J), what Excel in Japan calls "CSV (コンマ区切り)".
    #[serde(rename = "cp932", alias = "shift_jis", alias = "sjis", alias = "windows-31j")]
    Cp932,
}

impl TextEncoding {
    /// Parses an encoding name, case-insensitively: "utf-8", "utf8", "cp932", "shift_jis",
    /// "shift-jis", "sjis", "windows-31j" or "ms932".
    pub fn parse(s: &str) -> Option<TextEncoding> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(TextEncoding::Utf8),
            "cp932" | "shift_jis" | "shift-jis" | "sjis" | "windows-31j" | "ms932" => Some(TextEncoding::Cp932),
            _ => None,
        }
    }

    /// The canonical name: "utf-8" or "cp932" (as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Cp932 => "cp932",
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TextEncoding {
    type Err = EncodingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TextEncoding::parse(s).ok_or_else(|| EncodingError::UnknownEncoding(s.to_owned()))
    }
}

/// Why CSV text could not be read or written (文字コードのエラー).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// The bytes are neither UTF-8 nor CP932; `line` is the 1-based line of the first bad byte.
    #[error("文字コードを判別できません。UTF-8 または Shift_JIS(CP932) で保存してください（{line}行目）")]
    Undecodable { line: usize },
    /// Characters that CP932 cannot represent, distinct, in order of appearance.
    #[error(
        "CP932 で表せない文字が含まれています: {}。UTF-8 で出力してください",
        list_chars(.chars)
    )]
    Unmappable { chars: Vec<char> },
    #[error("対応していない文字コードです: {0}（UTF-8 または CP932 を指定してください）")]
    UnknownEncoding(String),
}

fn list_chars(chars: &[char]) -> String {
    let mut listed: Vec<String> = chars.iter().take(MAX_LISTED_CHARS).map(char::to_string).collect();
    if chars.len() > MAX_LISTED_CHARS {
        listed.push("…".to_owned());
    }
    listed.join(" ")
}

/// Decodes an uploaded CSV file and reports which encoding it was in.
///
/// UTF-8 (with or without a BOM, which is removed) is tried first, then CP932. Bytes that are
/// valid in neither give [`EncodingError::Undecodable`] with the line of the first bad byte.
///
/// CP932 is decoded with the WHATWG Shift_JIS table, which is Microsoft's: 0x8160 becomes ～
/// (U+FF5E) as on Windows, and 0x5C becomes `\` (shown as ¥ by Japanese fonts).
pub fn decode_csv(bytes: &[u8]) -> Result<(String, TextEncoding), EncodingError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return match std::str::from_utf8(rest) {
            Ok(text) => Ok((text.to_owned(), TextEncoding::Utf8)),
            Err(error) => Err(undecodable_at(bytes, UTF8_BOM.len() + error.valid_up_to())),
        };
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), TextEncoding::Utf8));
    }
    decode_cp932(bytes).map(|text| (text, TextEncoding::Cp932))
}

fn decode_cp932(bytes: &[u8]) -> Result<String, EncodingError> {
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let mut text = String::new();
    let mut offset = 0;
    loop {
        let needed = decoder
            .max_utf8_buffer_length_without_replacement(bytes.len() - offset)
            .unwrap_or(bytes.len() - offset);
        text.reserve(needed.max(4));
        let (result, read) = decoder.decode_to_string_without_replacement(&bytes[offset..], &mut text, true);
        offset += read;
        match result {
            DecoderResult::InputEmpty => return Ok(text),
            DecoderResult::OutputFull => continue,
            DecoderResult::Malformed(bad, after) => {
                // The malformed sequence ends `after` bytes before the decoder stopped.
                let bad_start = offset.saturating_sub(usize::from(bad) + usize::from(after));
                return Err(undecodable_at(bytes, bad_start));
            }
        }
    }
}

/// The error for a bad byte at `offset`. A line feed (0x0A) is never part of a multi-byte
/// character in UTF-8 or Shift_JIS, so counting raw line feeds gives the line number.
fn undecodable_at(bytes: &[u8], offset: usize) -> EncodingError {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    EncodingError::Undecodable { line }
}

/// Encodes CSV text for download.
///
/// UTF-8 gets a BOM, without which Excel reads the file as CP932. For CP932, characters that
/// other systems (macOS, JIS-based tables) use for the same glyphs are first mapped to the ones
/// CP932 has (〜 → ～, ‖ → ∥, − → －, ¢ → ￠, £ → ￡, ¬ → ￢, — → ―). Any character still not
/// representable, such as 𠮷, gives [`EncodingError::Unmappable`] rather than a silent `?`.
pub fn encode_csv(text: &str, enc: TextEncoding) -> Result<Vec<u8>, EncodingError> {
    match enc {
        TextEncoding::Utf8 => {
            let mut bytes = Vec::with_capacity(UTF8_BOM.len() + text.len());
            bytes.extend_from_slice(UTF8_BOM);
            bytes.extend_from_slice(text.as_bytes());
            Ok(bytes)
        }
        TextEncoding::Cp932 => {
            let mapped: String = text.chars().map(to_cp932_variant).collect();
            encode_cp932(&mapped)
        }
    }
}

/// Maps a character to the code point CP932 uses for the same glyph.
fn to_cp932_variant(c: char) -> char {
    match c {
        '\u{301C}' => '\u{FF5E}', // 〜 WAVE DASH → ～ FULLWIDTH TILDE
        '\u{2016}' => '\u{2225}', // ‖ DOUBLE VERTICAL LINE → ∥ PARALLEL TO
        '\u{2212}' => '\u{FF0D}', // − MINUS SIGN → － FULLWIDTH HYPHEN-MINUS
        '\u{00A2}' => '\u{FFE0}', // ¢ → ￠
        '\u{00A3}' => '\u{FFE1}', // £ → ￡
        '\u{00AC}' => '\u{FFE2}', // ¬ → ￢
        '\u{2014}' => '\u{2015}', // — EM DASH → ― HORIZONTAL BAR
        _ => c,
    }
}

fn encode_cp932(text: &str) -> Result<Vec<u8>, EncodingError> {
    let mut encoder = SHIFT_JIS.new_encoder();
    let mut bytes = Vec::new();
    let mut unmappable: Vec<char> = Vec::new();
    let mut rest = text;
    loop {
        let needed = encoder
            .max_buffer_length_from_utf8_without_replacement(rest.len())
            .unwrap_or(rest.len());
        bytes.reserve(needed.max(2));
        let (result, read) = encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut bytes, true);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => break,
            EncoderResult::OutputFull => continue,
            EncoderResult::Unmappable(c) => {
                if !unmappable.contains(&c) {
                    unmappable.push(c);
                }
            }
        }
    }
    if unmappable.is_empty() {
        Ok(bytes)
    } else {
        Err(EncodingError::Unmappable { chars: unmappable })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_encoding_names() {
        assert_eq!(TextEncoding::parse("UTF-8"), Some(TextEncoding::Utf8));
        assert_eq!(TextEncoding::parse("utf8"), Some(TextEncoding::Utf8));
        for name in ["cp932", "Shift_JIS", "SJIS", "Windows-31J", "shift-jis"] {
            assert_eq!(TextEncoding::parse(name), Some(TextEncoding::Cp932), "{name}");
        }
        assert_eq!(TextEncoding::parse("euc-jp"), None);
        assert!("latin1".parse::<TextEncoding>().is_err());
        assert_eq!("cp932".parse::<TextEncoding>(), Ok(TextEncoding::Cp932));
    }

    #[test]
    fn serde_uses_canonical_names_and_accepts_aliases() {
        assert_eq!(
            serde_json::to_string(&TextEncoding::Utf8).ok().as_deref(),
            Some("\"utf-8\"")
        );
        assert_eq!(
            serde_json::to_string(&TextEncoding::Cp932).ok().as_deref(),
            Some("\"cp932\"")
        );
        let parsed: Result<TextEncoding, _> = serde_json::from_str("\"shift_jis\"");
        assert_eq!(parsed.ok(), Some(TextEncoding::Cp932));
    }

    #[test]
    fn utf8_output_has_a_bom_and_round_trips() {
        let text = "氏名,備考\n髙橋,﨑①～〜𠮷\n";
        let bytes = encode_csv(text, TextEncoding::Utf8).unwrap_or_default();
        assert!(bytes.starts_with(UTF8_BOM));
        assert_eq!(decode_csv(&bytes), Ok((text.to_owned(), TextEncoding::Utf8)));
    }

    #[test]
    fn decodes_utf8_without_bom() {
        assert_eq!(
            decode_csv("a,b\n髙,﨑\n".as_bytes()),
            Ok(("a,b\n髙,﨑\n".to_owned(), TextEncoding::Utf8))
        );
        assert_eq!(decode_csv(b""), Ok((String::new(), TextEncoding::Utf8)));
        assert_eq!(decode_csv(UTF8_BOM), Ok((String::new(), TextEncoding::Utf8)));
    }

    #[test]
    fn cp932_round_trips_vendor_characters() {
        let text = "髙橋,山﨑,①,～,㈱,Ⅲ\r\n";
        let bytes = encode_csv(text, TextEncoding::Cp932).unwrap_or_default();
        assert_eq!(decode_csv(&bytes), Ok((text.to_owned(), TextEncoding::Cp932)));
    }

    #[test]
    fn cp932_output_maps_lookalike_characters() {
        let bytes = encode_csv("〜‖−¢£¬—", TextEncoding::Cp932).unwrap_or_default();
        assert_eq!(
            bytes,
            [
                0x81, 0x60, 0x81, 0x61, 0x81, 0x7C, 0x81, 0x91, 0x81, 0x92, 0x81, 0xCA, 0x81, 0x5C
            ]
        );
        assert_eq!(decode_csv(&bytes), Ok(("～∥－￠￡￢―".to_owned(), TextEncoding::Cp932)));
    }

    #[test]
    fn decodes_a_cp932_sample() {
        // "氏名,ｶﾅ\r\n髙橋,①\r\n" as saved by Excel.
        let bytes = [
            0x8E, 0x81, 0x96, 0xBC, b',', 0xB6, 0xC5, b'\r', b'\n', 0xFB, 0xFC, 0x8B, 0xB4, b',', 0x87, 0x40, b'\r',
            b'\n',
        ];
        assert_eq!(
            decode_csv(&bytes),
            Ok(("氏名,ｶﾅ\r\n髙橋,①\r\n".to_owned(), TextEncoding::Cp932))
        );
    }

    #[test]
    fn unmappable_characters_are_listed() {
        let result = encode_csv("𠮷野家,𠮷田,🍣,ok", TextEncoding::Cp932);
        assert_eq!(
            result,
            Err(EncodingError::Unmappable {
                chars: vec!['𠮷', '🍣']
            })
        );
        let message = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            message,
            "CP932 で表せない文字が含まれています: 𠮷 🍣。UTF-8 で出力してください"
        );
    }

    #[test]
    fn long_unmappable_lists_are_cut() {
        let text: String = ('\u{1F600}'..='\u{1F60F}').collect();
        let message = encode_csv(&text, TextEncoding::Cp932)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("😉 …。"), "{message}");
    }

    #[test]
    fn garbage_reports_the_line_of_the_first_bad_byte() {
        // 0xA0 and 0xFF are valid neither in UTF-8 nor in CP932.
        let bytes = b"a,b\r\nc,d\r\ne,\xA0\xFF\r\n";
        assert_eq!(decode_csv(bytes), Err(EncodingError::Undecodable { line: 3 }));
        assert_eq!(
            EncodingError::Undecodable { line: 3 }.to_string(),
            "文字コードを判別できません。UTF-8 または Shift_JIS(CP932) で保存してください（3行目）"
        );
        // A truncated double-byte character at the very end.
        assert_eq!(decode_csv(b"x\n\x8E"), Err(EncodingError::Undecodable { line: 2 }));
    }

    #[test]
    fn invalid_utf8_after_a_bom_is_an_error() {
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice(b"a\n\xFF");
        assert_eq!(decode_csv(&bytes), Err(EncodingError::Undecodable { line: 2 }));
    }
}
