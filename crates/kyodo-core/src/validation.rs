//! Field-level validation errors shared by forms, the API and CSV imports.

use serde::Serialize;

/// One problem with one input field, in Japanese for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's machine name (`name`, `hire_date`…), also the CSV column.
    pub field: String,
    pub message: String,
}

/// Every problem found in one input, so a form can show them all at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldErrors {
    pub errors: Vec<FieldError>,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The first message for `field`, for showing beside that field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    /// `Ok(value)` when nothing was reported, else the errors.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("、"))
    }
}

impl std::error::Error for FieldErrors {}

/// Reads raw text fields one by one, normalising 全角/半角 and collecting
/// every error, so that each record's validation reads as a list of fields.
pub struct Fields<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
    pub errors: FieldErrors,
}

impl<'a> Fields<'a> {
    pub fn new(get: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            get,
            errors: FieldErrors::new(),
        }
    }

    fn raw(&self, field: &str) -> String {
        (self.get)(field)
            .map(|v| crate::text::normalize_input(&v))
            .unwrap_or_default()
    }

    /// A required text of at most `max` characters.
    pub fn required(&mut self, field: &str, label: &str, max: usize) -> String {
        let value = self.raw(field);
        if value.is_empty() {
            self.errors.add(field, format!("{label}を入力してください"));
        } else if value.chars().count() > max {
            self.errors
                .add(field, format!("{label}は{max}文字以内で入力してください"));
        }
        value
    }

    /// A multi-line text (本文・メモ) of at most `max` characters, line breaks kept;
    /// empty becomes `None` (and an error when `required`).
    pub fn text(&mut self, field: &str, label: &str, max: usize, required: bool) -> Option<String> {
        let value = (self.get)(field)
            .map(|v| crate::text::normalize_multiline(&v))
            .unwrap_or_default();
        if value.is_empty() {
            if required {
                self.errors.add(field, format!("{label}を入力してください"));
            }
            return None;
        }
        if value.chars().count() > max {
            self.errors
                .add(field, format!("{label}は{max}文字以内で入力してください"));
        }
        Some(value)
    }

    /// An optional e-mail address (全角 folded), lightly checked.
    pub fn email(&mut self, field: &str, label: &str) -> Option<String> {
        let value = crate::text::fold_ascii(&self.raw(field));
        if value.is_empty() {
            return None;
        }
        if value.chars().count() > 254 || !crate::staff::looks_like_email(&value) {
            self.errors.add(
                field,
                format!("{label}の形式が正しくありません（例: name@city.example.jp）"),
            );
        }
        Some(value)
    }

    /// An optional telephone number: 全角 folded, digits and hyphens only.
    pub fn phone(&mut self, field: &str, label: &str) -> Option<String> {
        let phone = self
            .optional(field, label, 20)
            .map(|p| crate::text::normalize_digits(&p));
        if let Some(p) = &phone
            && !p.chars().all(|c| c.is_ascii_digit() || c == '-')
        {
            self.errors
                .add(field, format!("{label}は数字とハイフンで入力してください"));
        }
        phone
    }

    /// An optional text of at most `max` characters; empty becomes `None`.
    pub fn optional(&mut self, field: &str, label: &str, max: usize) -> Option<String> {
        let value = self.raw(field);
        if value.chars().count() > max {
            self.errors
                .add(field, format!("{label}は{max}文字以内で入力してください"));
        }
        (!value.is_empty()).then_some(value)
    }

    /// A code made of half-width letters, digits, `-` and `_` (全角 accepted and converted).
    pub fn code(&mut self, field: &str, label: &str, required: bool) -> Option<String> {
        let value = crate::text::normalize_digits(&crate::text::fold_ascii(&self.raw(field)));
        if value.is_empty() {
            if required {
                self.errors.add(field, format!("{label}を入力してください"));
            }
            return None;
        }
        if value.chars().count() > 32 || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            self.errors.add(
                field,
                format!("{label}は32文字以内の半角英数字・ハイフン・アンダースコアで入力してください"),
            );
        }
        Some(value)
    }

    /// A reading in kana (フリガナ), stored in katakana.
    pub fn kana(&mut self, field: &str, label: &str, required: bool) -> Option<String> {
        let value = self.raw(field);
        if value.is_empty() {
            if required {
                self.errors.add(field, format!("{label}を入力してください"));
            }
            return None;
        }
        if !crate::text::is_kana_reading(&value) {
            self.errors
                .add(field, format!("{label}はカタカナまたはひらがなで入力してください"));
        } else if value.chars().count() > 100 {
            self.errors
                .add(field, format!("{label}は100文字以内で入力してください"));
        }
        Some(crate::text::to_katakana(&value))
    }

    /// A date in any form Japanese staff type (西暦 or 和暦).
    pub fn date(&mut self, field: &str, label: &str, required: bool) -> Option<chrono::NaiveDate> {
        let value = self.raw(field);
        if value.is_empty() {
            if required {
                self.errors.add(field, format!("{label}を入力してください"));
            }
            return None;
        }
        match crate::wareki::parse_date(&value) {
            Ok(date) => Some(date),
            Err(e) => {
                self.errors.add(field, format!("{label}: {e}"));
                None
            }
        }
    }

    /// A count (人数・世帯数): a whole number of 0 or more, 「1,234」「１２３４」
    /// read; empty is `None` (and an error when `required`).
    pub fn count(&mut self, field: &str, label: &str, required: bool) -> Option<i64> {
        let value = crate::text::normalize_digits(&self.raw(field)).replace([',', '，', '、'], "");
        if value.is_empty() {
            if required {
                self.errors.add(field, format!("{label}を入力してください"));
            }
            return None;
        }
        match value.parse::<i64>() {
            Ok(n) if (0..=1_000_000_000).contains(&n) => Some(n),
            _ => {
                self.errors
                    .add(field, format!("{label}は0以上の整数で入力してください"));
                None
            }
        }
    }

    /// An amount in whole yen (「12,000円」 read); empty is `None` (and an
    /// error when `required`).
    pub fn yen(&mut self, field: &str, label: &str, required: bool) -> Option<i64> {
        let value = self.raw(field);
        if value.is_empty() {
            if required {
                self.errors.add(field, format!("{label}を入力してください"));
            }
            return None;
        }
        match crate::plans::projects::parse_yen(&value) {
            Ok(n) => Some(n),
            Err(message) => {
                self.errors.add(field, format!("{label}: {message}"));
                None
            }
        }
    }

    /// A reference to another record by its id; empty is `None`.
    pub fn id(&mut self, field: &str, label: &str, required: bool) -> Option<i64> {
        let value = crate::text::normalize_digits(&self.raw(field));
        if value.is_empty() {
            if required {
                self.errors.add(field, format!("{label}を選択してください"));
            }
            return None;
        }
        match value.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                self.errors.add(field, format!("{label}の指定が正しくありません"));
                None
            }
        }
    }

    /// Ids given as 「3,5,8」 (a JSON array or a multiple select arrives so),
    /// in the order given, each once.
    pub fn ids(&mut self, field: &str, label: &str) -> Vec<i64> {
        let mut out = Vec::new();
        let mut bad = false;
        for part in self.raw(field).split([',', '、', ' ']) {
            let part = crate::text::normalize_digits(part);
            if part.is_empty() {
                continue;
            }
            match part.parse::<i64>() {
                Ok(id) if id > 0 => {
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
                _ => bad = true,
            }
        }
        if bad {
            self.errors.add(field, format!("{label}の指定が正しくありません"));
        }
        out
    }

    /// A yes/no field: a checked box sends `true`; the API may send a
    /// boolean; 「はい」 and `on`, `1`, `yes` count as yes, anything else as no.
    pub fn flag(&self, field: &str) -> bool {
        matches!(
            crate::text::fold_ascii(&self.raw(field)).as_str(),
            "true" | "on" | "1" | "yes" | "はい"
        )
    }

    /// One of the allowed values (from the scheme settings); empty is `None`.
    pub fn choice(&mut self, field: &str, label: &str, allowed: &[String], required: bool) -> Option<String> {
        let value = self.raw(field);
        if value.is_empty() {
            if required {
                self.errors.add(field, format!("{label}を選択してください"));
            }
            return None;
        }
        // Compared after folding 全角/半角, so 「区（自治会）」 typed either
        // way matches; the scheme's own spelling is what is stored.
        let folded = crate::text::fold_ascii(&value);
        match allowed.iter().find(|a| crate::text::fold_ascii(a) == folded) {
            Some(found) => Some(found.clone()),
            None => {
                self.errors.add(
                    field,
                    format!("{label}は次のいずれかにしてください: {}", allowed.join("、")),
                );
                Some(value)
            }
        }
    }

    /// A keyed enum by key or label (`parse`), naming the choices (`labels`)
    /// when it fits none; empty is `default`, or an error when there is none.
    pub fn keyed<T: Copy>(
        &mut self,
        field: &str,
        label: &str,
        parse: fn(&str) -> Option<T>,
        labels: &[&str],
        default: Option<T>,
    ) -> Option<T> {
        match self.optional(field, label, 40) {
            None if default.is_some() => default,
            None => {
                self.errors.add(field, format!("{label}を選択してください"));
                None
            }
            Some(v) => parse(&v).or_else(|| {
                self.errors.add(
                    field,
                    format!("{label}は次のいずれかにしてください: {}", labels.join("、")),
                );
                None
            }),
        }
    }

    pub fn finish<T>(self, value: T) -> Result<T, FieldErrors> {
        self.errors.into_result(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn fields(map: &HashMap<&str, &str>) -> impl Fn(&str) -> Option<String> + use<> {
        let owned: HashMap<String, String> = map.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| owned.get(k).cloned()
    }

    #[test]
    fn collects_every_error_not_just_the_first() {
        let get = fields(&HashMap::from([("kana", "abc"), ("code", "Ａ１２")]));
        let mut f = Fields::new(&get);
        f.required("name", "名称", 10);
        f.kana("kana", "ふりがな", false);
        let code = f.code("code", "コード", true);
        assert_eq!(code.as_deref(), Some("A12"), "全角 code is converted");
        let errors = f.finish(()).unwrap_err();
        assert_eq!(errors.get("name"), Some("名称を入力してください"));
        assert!(errors.get("kana").unwrap().contains("カタカナ"));
        assert_eq!(errors.errors.len(), 2);
    }

    #[test]
    fn ids_keep_their_order_once_each_and_flags_read_yes_in_any_spelling() {
        let get = fields(&HashMap::from([
            ("ids", "5、２,5 8"),
            ("bad", "3,x,-1"),
            ("a", "true"),
            ("b", "はい"),
            ("c", "ｔｒｕｅ"),
            ("d", "false"),
        ]));
        let mut f = Fields::new(&get);
        assert_eq!(f.ids("ids", "職員"), vec![5, 2, 8]);
        assert!(f.errors.is_empty());
        assert_eq!(f.ids("bad", "職員"), vec![3]);
        assert_eq!(f.errors.errors.len(), 1, "one message for the field");
        assert!(f.flag("a") && f.flag("b") && f.flag("c"));
        assert!(!f.flag("d") && !f.flag("missing"));
    }

    #[test]
    fn kana_is_stored_as_katakana_and_dates_accept_wareki() {
        let get = fields(&HashMap::from([("kana", "あらお"), ("d", "令和8年4月1日")]));
        let mut f = Fields::new(&get);
        let kana = f.kana("kana", "ふりがな", true);
        let date = f.date("d", "日付", true);
        assert!(f.errors.is_empty());
        assert_eq!(kana.as_deref(), Some("アラオ"));
        assert_eq!(date, chrono::NaiveDate::from_ymd_opt(2026, 4, 1));
    }

    #[test]
    fn choice_matches_across_full_and_half_width() {
        let get = fields(&HashMap::from([("kind", "区(自治会)")]));
        let mut f = Fields::new(&get);
        let allowed = vec!["区（自治会）".to_owned()];
        assert_eq!(
            f.choice("kind", "種別", &allowed, true).as_deref(),
            Some("区（自治会）")
        );
        assert!(f.errors.is_empty());
    }

    #[test]
    fn choice_outside_the_scheme_is_refused_with_the_allowed_list() {
        let get = fields(&HashMap::from([("kind", "町内会")]));
        let mut f = Fields::new(&get);
        let allowed = vec!["自治会".to_owned(), "NPO".to_owned()];
        f.choice("kind", "種別", &allowed, true);
        assert_eq!(
            f.errors.get("kind"),
            Some("種別は次のいずれかにしてください: 自治会、NPO")
        );
    }
}
