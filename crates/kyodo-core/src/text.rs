//! Normalisation of what users type into forms and CSV cells
//! (全角/半角の正規化), search keys and kana readings (フリガナ).

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

/// Full-width forms of the half-width katakana block U+FF61..=U+FF9F, in order.
///
/// The two sound marks (ﾞ U+FF9E, ﾟ U+FF9F) map to the spacing marks ゛ and ゜;
/// [`normalize_input`] combines them with the preceding kana when possible.
const HALFWIDTH_KATAKANA: [char; 63] = [
    '。', '「', '」', '、', '・', 'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー', 'ア', 'イ', 'ウ',
    'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ', 'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ',
    'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ', 'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル',
    'レ', 'ロ', 'ワ', 'ン', '゛', '゜',
];

const HALFWIDTH_VOICED_MARK: char = '\u{FF9E}';
const HALFWIDTH_SEMI_VOICED_MARK: char = '\u{FF9F}';
const COMBINING_VOICED_MARK: char = '\u{3099}';
const COMBINING_SEMI_VOICED_MARK: char = '\u{309A}';

/// Offset between a full-width ASCII variant (U+FF01..=U+FF5E) and its ASCII character.
const FULLWIDTH_ASCII_OFFSET: u32 = 0xFEE0;

/// Offset between katakana (ァ U+30A1..) and hiragana (ぁ U+3041..).
const KATAKANA_HIRAGANA_OFFSET: u32 = 0x60;

/// Whether `c` is a control character no text of kyodo keeps: everything
/// below U+0020 but tab, line feed and carriage return, and DEL. NUL in
/// particular, which PostgreSQL refuses in text and SQLite would store.
pub fn is_stray_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}')
}

/// `s` without [stray control characters](is_stray_control); borrowed when it had none.
pub fn strip_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(is_stray_control) {
        std::borrow::Cow::Owned(s.chars().filter(|c| !is_stray_control(*c)).collect())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Normalises a single-line value typed by a user (入力値の正規化).
///
/// - trims leading and trailing whitespace, including the ideographic space U+3000;
/// - collapses every inner run of whitespace (full-width spaces included) into one ASCII space;
/// - converts full-width letters and digits (`ＡＢＣ１２３`) to ASCII; full-width
///   punctuation (`（）～！`) is Japanese writing and stays as typed — [`fold_ascii`] folds
///   it too, for codes, logins and e-mail addresses;
/// - converts half-width katakana to full-width, combining sound marks (`ｶﾞ` → `ガ`, `ﾊﾟ` → `パ`,
///   `ｳﾞ` → `ヴ`).
///
/// Everything else (kanji, kana, `①`, `㈱`, …) is kept as typed: this is not NFKC, because the
/// value is stored and shown back to people. Use [`search_key`] for matching.
pub fn normalize_input(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            if !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
        }
        match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                out.push(fullwidth_to_ascii(c));
            }
            '\u{FF61}'..='\u{FF9F}' => {
                let kana = halfwidth_to_fullwidth_katakana(c);
                let combined = match chars.peek() {
                    Some(&HALFWIDTH_VOICED_MARK) => unicode_normalization::char::compose(kana, COMBINING_VOICED_MARK),
                    Some(&HALFWIDTH_SEMI_VOICED_MARK) => {
                        unicode_normalization::char::compose(kana, COMBINING_SEMI_VOICED_MARK)
                    }
                    _ => None,
                };
                match combined {
                    Some(voiced) => {
                        out.push(voiced);
                        chars.next();
                    }
                    None => out.push(kana),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Normalises a multi-line text (本文・メモ): each line as [`normalize_input`]
/// does, line breaks kept (CRLF folded to LF), runs of blank lines cut to one.
pub fn normalize_multiline(s: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for line in s.replace("\r\n", "\n").replace('\r', "\n").split('\n') {
        let line = normalize_input(line);
        if line.is_empty() && out.last().is_none_or(|l: &String| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

/// [`normalize_input`], then every full-width ASCII character (U+FF01..=U+FF5E) to ASCII:
/// for machine-read values such as codes, logins and e-mail addresses (`ｎａｍｅ＠ｃｉｔｙ．ｊｐ`).
pub fn fold_ascii(s: &str) -> String {
    normalize_input(s)
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => fullwidth_to_ascii(c),
            other => other,
        })
        .collect()
}

/// A number with its thousands grouped, as Japanese documents write it: 12,000.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A non-negative number of at most two decimals as hundredths, exactly:
/// 「12.34」「１２．３」「1,200」 are 1234, 1230 and 120000. What money and
/// shares are computed from never passes through floating point.
pub fn parse_hundredths(raw: &str) -> Option<i64> {
    let s = normalize_digits(&fold_ascii(raw)).replace(',', "");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    whole.checked_mul(100)?.checked_add(frac)
}

/// Normalises a numeric field such as an employee number, phone number, postal code or year
/// (数字項目の正規化).
///
/// Trims surrounding whitespace, converts full-width digits to ASCII and every hyphen-like
/// character (`－ ‐ ‑ ‒ – — ― −`) to `-`. The long vowel mark `ー` (and half-width `ｰ`), a common
/// IME slip, becomes `-` only between two digits. Other characters are kept, so that validation
/// can still reject them.
pub fn normalize_digits(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().map(digit_to_ascii).collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let mapped = match c {
            '\u{FF0D}' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => {
                '-'
            }
            'ー' | 'ｰ' => {
                let after_digit = i > 0 && chars[i - 1].is_ascii_digit();
                let before_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
                if after_digit && before_digit { '-' } else { c }
            }
            _ => c,
        };
        out.push(mapped);
    }
    out
}

mod kanji_variants;

/// The form search uses for a variant kanji (異体字・旧字体): `髙` → `高`,
/// `﨑` → `崎`, `德` → `徳`, `邊` → `辺`; any other character as it is.
/// The table (`scripts/kanji-variants`) folds each variant towards the form
/// people type, so folding twice changes nothing.
pub fn fold_kanji_variant(c: char) -> char {
    use kanji_variants::KANJI_VARIANTS;
    KANJI_VARIANTS
        .binary_search_by_key(&c, |(variant, _)| *variant)
        .map_or(c, |i| KANJI_VARIANTS[i].1)
}

/// Changes whenever [`search_key`] would give another key for stored text
/// (a new fold), so that stored search keys are rebuilt.
pub const SEARCH_KEY_VERSION: i64 = 2;

/// One character of a search key: lower case, katakana as hiragana,
/// variant kanji as their usual form (after NFKC).
fn search_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .map(katakana_to_hiragana)
        .map(fold_kanji_variant)
}

/// Builds the key used to match search terms against stored text (検索キー).
///
/// NFKC, lowercase, katakana → hiragana (the long vowel mark `ー` is kept), variant kanji
/// folded ([`fold_kanji_variant`]) and all whitespace removed: `ｶﾞｲﾄｳ`, `ガイトウ` and
/// `がいとう` give the same key, as do `ＡＢＣ` and `abc`, and `髙橋` and `高橋`.
pub fn search_key(s: &str) -> String {
    search_chars(s).filter(|c| !c.is_whitespace()).collect()
}

/// The runs of letters and digits in `s` as search keys (as [`search_key`]
/// makes them); whitespace and punctuation end a run, so that no bigram
/// spans two words (検索語の区切り).
pub fn search_runs(s: &str) -> Vec<String> {
    let key: String = search_chars(s).collect();
    key.split(|c: char| !c.is_alphanumeric())
        .filter(|run| !run.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Overlapping character bigrams of a search key (2-gram), without duplicates, in order of first
/// appearance. A one-character key gives itself; an empty key gives nothing.
pub fn bigrams(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() == 1 {
        return vec![key.to_owned()];
    }
    let mut seen = HashSet::new();
    chars
        .windows(2)
        .map(|pair| pair.iter().collect::<String>())
        .filter(|gram| seen.insert(gram.clone()))
        .collect()
}

/// Whether `s` is a valid name reading (フリガナ): after [`normalize_input`], it is not empty and
/// contains only hiragana, katakana (iteration marks included), `ー`, `・` and spaces.
pub fn is_kana_reading(s: &str) -> bool {
    let normalized = normalize_input(s);
    !normalized.is_empty()
        && normalized.chars().all(|c| {
            matches!(c,
                '\u{3041}'..='\u{3096}' // ぁ..ゖ
                | '\u{309D}'..='\u{309E}' // ゝゞ
                | '\u{30A1}'..='\u{30FA}' // ァ..ヺ
                | '\u{30FD}'..='\u{30FE}' // ヽヾ
                | 'ー' | '・' | ' ')
        })
}

/// Converts hiragana to katakana (ひらがな → カタカナ); readings are stored in katakana.
/// Other characters are kept.
pub fn to_katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' => shift_char(c, KATAKANA_HIRAGANA_OFFSET, true),
            _ => c,
        })
        .collect()
}

fn fullwidth_to_ascii(c: char) -> char {
    shift_char(c, FULLWIDTH_ASCII_OFFSET, false)
}

fn digit_to_ascii(c: char) -> char {
    match c {
        '０'..='９' => fullwidth_to_ascii(c),
        _ => c,
    }
}

fn halfwidth_to_fullwidth_katakana(c: char) -> char {
    let index = (c as u32).wrapping_sub(0xFF61) as usize;
    HALFWIDTH_KATAKANA.get(index).copied().unwrap_or(c)
}

fn katakana_to_hiragana(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' | '\u{30FD}'..='\u{30FE}' => shift_char(c, KATAKANA_HIRAGANA_OFFSET, false),
        _ => c,
    }
}

/// Moves `c` by `offset` code points up (`up`) or down; keeps `c` if the result is not a char.
fn shift_char(c: char, offset: u32, up: bool) -> char {
    let code = if up {
        (c as u32).checked_add(offset)
    } else {
        (c as u32).checked_sub(offset)
    };
    code.and_then(char::from_u32).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn variant_kanji_find_their_usual_form() {
        for (typed, stored) in [
            ("高橋", "髙橋 咲子"),
            ("山崎", "山﨑"),
            ("山崎", "山嵜"),
            ("徳永", "德永"),
            ("渡辺", "渡邊"),
            ("渡辺", "渡邉"),
            ("斎藤", "齋藤"),
            ("浜田", "濵田"),
            ("桜井", "櫻井"),
            ("沢田", "澤田"),
        ] {
            assert!(
                search_key(stored).contains(&search_key(typed)),
                "{typed} finds {stored}"
            );
            assert!(
                search_key(typed).contains(&search_key(&stored[..typed.len()])),
                "{stored} finds {typed}"
            );
        }
        assert_eq!(search_key("高崎"), "高崎", "the usual form is kept");
        assert_ne!(search_key("斎藤"), search_key("斉藤"), "two different names stay apart");
    }

    #[test]
    fn the_variant_table_is_sorted_and_folds_once() {
        use kanji_variants::KANJI_VARIANTS;
        assert!(
            KANJI_VARIANTS.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for binary search"
        );
        for (variant, usual) in KANJI_VARIANTS {
            assert_ne!(variant, usual);
            assert_eq!(fold_kanji_variant(usual), usual, "{variant} → {usual} folds no further");
        }
        assert!(KANJI_VARIANTS.len() > 200, "a table of a few hundred");
    }

    #[test]
    fn stray_controls_go_tab_and_line_breaks_stay() {
        assert_eq!(strip_controls("a\u{0}b\u{7F}c\u{1B}[0m"), "abc[0m");
        assert_eq!(strip_controls("行1\r\n\t行2"), "行1\r\n\t行2");
        assert!(matches!(strip_controls("そのまま"), std::borrow::Cow::Borrowed(_)));
    }

    use super::*;

    #[test]
    fn search_runs_split_at_spaces_and_punctuation() {
        assert_eq!(
            search_runs("防災　訓練、ｶﾞｲﾄｳ（LED）"),
            vec!["防災", "訓練", "がいとう", "led"]
        );
    }

    #[test]
    fn multiline_text_keeps_its_lines() {
        assert_eq!(
            normalize_multiline("  一行目　ｶﾞｲﾄｳ\r\n\r\n\r\n二行目 ＡＢ \n\n"),
            "一行目 ガイトウ\n\n二行目 AB"
        );
    }

    #[test]
    fn normalize_input_trims_and_collapses_spaces() {
        assert_eq!(normalize_input("\u{3000} 山田\u{3000}\u{3000}太郎 \t"), "山田 太郎");
        assert_eq!(normalize_input("   "), "");
        assert_eq!(normalize_input(""), "");
        assert_eq!(normalize_input("a \n b"), "a b");
    }

    #[test]
    fn fold_ascii_folds_punctuation_too() {
        assert_eq!(fold_ascii("ｎａｍｅ＠ｃｉｔｙ．ｊｐ"), "name@city.jp");
        assert_eq!(fold_ascii("Ａ－０１"), "A-01");
    }

    #[test]
    fn normalize_input_converts_fullwidth_ascii() {
        assert_eq!(normalize_input("ＡＢＣ１２３！＠～"), "ABC123！＠～");
        assert_eq!(normalize_input("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ"), "taro＠example．jp");
    }

    #[test]
    fn normalize_input_converts_halfwidth_katakana_with_sound_marks() {
        assert_eq!(normalize_input("ｶﾞｲﾄｳ"), "ガイトウ");
        assert_eq!(normalize_input("ﾊﾟｿｺﾝ"), "パソコン");
        assert_eq!(normalize_input("ｳﾞｧｲｵﾘﾝ"), "ヴァイオリン");
        assert_eq!(normalize_input("ﾔﾏﾀﾞ ﾀﾛｳ｡"), "ヤマダ タロウ。");
        assert_eq!(normalize_input("ｰ･｢｣､"), "ー・「」、");
    }

    #[test]
    fn halfwidth_table_agrees_with_nfkc() {
        // The sound marks are left out: NFKC maps them to combining marks.
        for (half, full) in ('\u{FF61}'..='\u{FF9D}').zip(HALFWIDTH_KATAKANA) {
            assert_eq!(half.to_string().nfkc().collect::<String>(), full.to_string());
        }
    }

    #[test]
    fn normalize_input_keeps_lone_sound_marks() {
        assert_eq!(normalize_input("ｱﾞ"), "ア゛");
        assert_eq!(normalize_input("ﾞｶ"), "゛カ");
        assert_eq!(normalize_input("ｶﾟ"), "カ゜");
    }

    #[test]
    fn normalize_input_keeps_other_characters() {
        assert_eq!(
            normalize_input("①㈱髙﨑 ひらがな カタカナ"),
            "①㈱髙﨑 ひらがな カタカナ"
        );
        assert_eq!(normalize_input("￥〜"), "￥〜");
    }

    #[test]
    fn normalize_digits_converts_digits_and_hyphens() {
        assert_eq!(normalize_digits("０３－１２３４－５６７８"), "03-1234-5678");
        assert_eq!(normalize_digits(" 100‐0001 "), "100-0001");
        for dash in ['‑', '‒', '–', '—', '―', '−', '－'] {
            assert_eq!(normalize_digits(&format!("1{dash}2")), "1-2");
        }
    }

    #[test]
    fn normalize_digits_converts_long_vowel_mark_only_between_digits() {
        assert_eq!(normalize_digits("０９０ー１２３４ｰ５６７８"), "090-1234-5678");
        assert_eq!(normalize_digits("ー1"), "ー1");
        assert_eq!(normalize_digits("1ー"), "1ー");
        assert_eq!(normalize_digits("1ーー2"), "1ーー2");
        assert_eq!(normalize_digits("abc"), "abc");
    }

    #[test]
    fn search_key_unifies_width_case_and_kana() {
        let key = search_key("がいとう");
        assert_eq!(search_key("ｶﾞｲﾄｳ"), key);
        assert_eq!(search_key("ガイトウ"), key);
        assert_eq!(search_key("ＡＢＣ"), search_key("abc"));
        assert_eq!(search_key("ＡＢＣ"), "abc");
        assert_eq!(search_key("ヴ ァ"), "ゔぁ");
        assert_eq!(search_key("コーヒー"), "こーひー");
        assert_eq!(search_key("山田\u{3000}太郎"), "山田太郎");
        assert_eq!(search_key("㈱①"), "(株)1");
    }

    #[test]
    fn bigrams_are_overlapping_and_deduplicated() {
        assert_eq!(bigrams("やまだ"), ["やま", "まだ"]);
        assert_eq!(bigrams("ああああ"), ["ああ"]);
        assert_eq!(bigrams("abab"), ["ab", "ba"]);
        assert_eq!(bigrams("山"), ["山"]);
        assert!(bigrams("").is_empty());
    }

    #[test]
    fn is_kana_reading_accepts_kana_only() {
        assert!(is_kana_reading("ヤマダ タロウ"));
        assert!(is_kana_reading("やまだ\u{3000}たろう"));
        assert!(is_kana_reading("ｽﾐｽ･ｼﾞｮﾝ"));
        assert!(is_kana_reading("スミス・ジョーン"));
        assert!(is_kana_reading("ヴァン"));
        assert!(!is_kana_reading("山田タロウ"));
        assert!(!is_kana_reading("YAMADA"));
        assert!(!is_kana_reading("ヤマダ1"));
        assert!(!is_kana_reading(""));
        assert!(!is_kana_reading("\u{3000}"));
    }

    #[test]
    fn to_katakana_converts_hiragana_only() {
        assert_eq!(to_katakana("やまだ たろう"), "ヤマダ タロウ");
        assert_eq!(to_katakana("ゔぁー・ゝ"), "ヴァー・ヽ");
        assert_eq!(to_katakana("山田ABCカナ"), "山田ABCカナ");
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(-1234567), "-1,234,567");
    }
}
