//! The API document is the parser. A JSON body is checked against the very
//! schema `/api/v1/openapi.json` publishes for it, before it is decoded, so
//! what the API accepts and what it documents cannot drift apart. A body
//! that does not fit is a 422 naming each field, in Japanese.
//!
//! The document also says, once for every request body, what no text field
//! may hold: control characters (a NUL is refused here, not stored), and
//! that a required text is not blank ([`Contract`], a document modifier).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use jsonschema::Validator;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use kyodo_core::validation::FieldErrors;
use serde_json::Value;
use utoipa::OpenApi;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, Schema};

/// Text without control characters other than tab and line breaks.
pub const NO_CONTROLS: &str = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$";
/// The same, with at least one character that is not a space.
pub const NOT_BLANK: &str =
    "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f][^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$";
/// A date from 1900-01-01 to 2199-12-31 that exists (leap days included).
pub const DATE: &str = concat!(
    "^(?:(?:19|20|21)\\d\\d-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)",
    "|(?:19(?:0[48]|[2468][048]|[13579][26])|20(?:[02468][048]|[13579][26])|21(?:0[48]|[2468][048]|[13579][26]))-02-29)$"
);

/// A record's code (地区コード, 職員番号…): half-width letters, digits, `-` and `_`.
pub const CODE: &str = "^[A-Za-z0-9_-]{1,32}$";
/// A reading (ふりがな・フリガナ) in hiragana or katakana.
pub const KANA: &str = "^ *[ぁ-ゖゝゞァ-ヺヽヾー・][ ぁ-ゖゝゞァ-ヺヽヾー・]*$";

/// A telephone number: digits and hyphens.
pub const PHONE: &str = "^[0-9-]{1,20}$";

/// A time of day, `HH:MM` (24 hours).
pub const TIME: &str = "^([01][0-9]|2[0-3]):[0-5][0-9]$";

/// Patterns a schema names by a short alias (`#[schema(pattern = "kana")]`),
/// written out once here by the [`Contract`] modifier.
const ALIASES: [(&str, &str); 4] = [("code", CODE), ("kana", KANA), ("phone", PHONE), ("time", TIME)];

/// The document as JSON, made once.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    // The document is built from our own types; serializing it cannot fail.
    serde_json::to_value(super::ApiDoc::openapi()).expect("the OpenAPI document serializes")
});

static VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<Validator>>>> = LazyLock::new(Default::default);

/// The validator for the component schema `name`, compiled once.
fn validator(name: &str) -> Arc<Validator> {
    // A poisoned lock only means another request panicked while compiling; the map is still sound.
    let mut cache = VALIDATORS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(v) = cache.get(name) {
        return v.clone();
    }
    let root = serde_json::json!({
        "$ref": format!("#/components/schemas/{name}"),
        "components": DOCUMENT["components"],
    });
    // Our own schemas compile; a failure here is a bug in a derive, caught by the document test.
    let compiled = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .expect("the document's schemas compile");
    let compiled = Arc::new(compiled);
    cache.insert(name.to_owned(), compiled.clone());
    compiled
}

/// The schema `name` as the document has it.
fn schema_of(name: &str) -> Option<&'static Value> {
    DOCUMENT["components"]["schemas"].get(name)
}

/// Checks `body` against the component schema `name`; every misfit is named.
pub fn check(name: &str, body: &Value) -> Result<(), FieldErrors> {
    // A tagged union (the transitions' `action`): judge the branch the tag
    // names, so that the errors are that action's, not every action's.
    if let Some((tag, branches)) = schema_of(name).and_then(tagged_branches) {
        let chosen = body.get(&tag).and_then(Value::as_str);
        let Some(branch) = branches.iter().find(|(key, _)| Some(key.as_str()) == chosen) else {
            let keys: Vec<&str> = branches.iter().map(|(k, _)| k.as_str()).collect();
            return Err(FieldErrors::single(
                &tag,
                format!("次のいずれかを指定してください: {}", keys.join("、")),
            ));
        };
        return check_value(&branch_validator(name, &branch.0, &branch.1), body);
    }
    check_value(&validator(name), body)
}

/// `(tag, [(key, branch schema)])` when the schema is a `oneOf` whose every
/// branch is an object fixing one property to one value.
fn tagged_branches(schema: &Value) -> Option<(String, Vec<(String, Value)>)> {
    let branches = schema.get("oneOf")?.as_array()?;
    let mut tag = None;
    let mut keyed = Vec::new();
    for b in branches {
        let (prop, key) = b.get("properties")?.as_object()?.iter().find_map(|(p, s)| {
            let values = s.get("enum")?.as_array()?;
            (values.len() == 1).then(|| (p.clone(), values[0].as_str().map(str::to_owned)))
        })?;
        if tag.get_or_insert_with(|| prop.clone()) != &prop {
            return None;
        }
        keyed.push((key?, b.clone()));
    }
    Some((tag?, keyed))
}

fn branch_validator(name: &str, key: &str, branch: &Value) -> Arc<Validator> {
    let cache_key = format!("{name}#{key}");
    let mut cache = VALIDATORS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(v) = cache.get(&cache_key) {
        return v.clone();
    }
    let mut root = branch.clone();
    root["components"] = DOCUMENT["components"].clone();
    // As above: our own schema compiles.
    let compiled = Arc::new(
        jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .expect("the document's schemas compile"),
    );
    cache.insert(cache_key, compiled.clone());
    compiled
}

/// Checks a query string's parameters against what the document says of
/// `T`'s: each value is read as the type its schema names (`3` as an
/// integer where one is wanted), then held to the schema like a body.
pub fn check_query<T: utoipa::IntoParams>(pairs: &[(String, String)]) -> Result<(), FieldErrors> {
    let key = std::any::type_name::<T>();
    let (validator, types) = query_validator::<T>(key);
    let mut object = serde_json::Map::new();
    for (name, raw) in pairs {
        let Some(kind) = types.get(name) else { continue };
        object.insert(name.clone(), coerce(raw, kind));
    }
    check_value(&validator, &Value::Object(object))
}

type QueryParts = (Arc<Validator>, Arc<HashMap<String, String>>);

static QUERY_VALIDATORS: LazyLock<Mutex<HashMap<&'static str, QueryParts>>> = LazyLock::new(Default::default);

/// The object schema of `T`'s query parameters, and each parameter's JSON type.
fn query_validator<T: utoipa::IntoParams>(key: &'static str) -> QueryParts {
    let mut cache = QUERY_VALIDATORS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(parts) = cache.get(key) {
        return parts.clone();
    }
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    let mut types = HashMap::new();
    for p in T::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query)) {
        let schema = p
            .schema
            .as_ref()
            .map_or(Value::Bool(true), |s| serde_json::to_value(s).unwrap_or_default());
        types.insert(p.name.clone(), json_type(&schema));
        if matches!(p.required, utoipa::openapi::Required::True) {
            required.push(Value::String(p.name.clone()));
        }
        properties.insert(p.name, schema);
    }
    let root = serde_json::json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "components": DOCUMENT["components"],
    });
    // As for bodies: our own schemas compile.
    let compiled = Arc::new(
        jsonschema::options()
            .should_validate_formats(true)
            .build(&root)
            .expect("the document's schemas compile"),
    );
    let parts = (compiled, Arc::new(types));
    cache.insert(key, parts.clone());
    parts
}

/// The JSON type a schema wants (`integer`, `number`, `boolean`, `array`,
/// `string`), through references and `x or null`.
fn json_type(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        return schema_of(name).map_or_else(|| "string".to_owned(), json_type);
    }
    if let Some(branches) = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))
        .and_then(Value::as_array)
    {
        return branches
            .iter()
            .map(json_type)
            .find(|t| t != "null")
            .unwrap_or_else(|| "string".to_owned());
    }
    match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string")
            .to_owned(),
        _ => "string".to_owned(),
    }
}

/// A query value as its schema's type; left a string when it is not one,
/// so that the schema names the misfit.
fn coerce(raw: &str, kind: &str) -> Value {
    match kind {
        "integer" => raw
            .parse::<i64>()
            .map_or_else(|_| Value::String(raw.to_owned()), Value::from),
        "number" => raw
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(raw.to_owned()), Value::Number),
        "boolean" => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(raw.to_owned()),
        },
        _ => Value::String(raw.to_owned()),
    }
}

fn check_value(validator: &Validator, body: &Value) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    for e in validator.iter_errors(body) {
        let at = e.instance_path().to_string();
        let field = at.trim_start_matches('/').replace('/', ".");
        match e.kind() {
            ValidationErrorKind::Required { property } => {
                errors.add(property.as_str().unwrap_or_default(), "必須の項目です");
            }
            ValidationErrorKind::AdditionalProperties { unexpected } => {
                for name in unexpected {
                    let name = if field.is_empty() {
                        name.clone()
                    } else {
                        format!("{field}.{name}")
                    };
                    errors.add(
                        &name,
                        "この項目はありません（使える項目は /api/v1/openapi.json にあります）",
                    );
                }
            }
            kind => {
                let field = if field.is_empty() { "body".to_owned() } else { field };
                // One message per field: a date that breaks both its format and its pattern says it once.
                if errors.get(&field).is_none() {
                    errors.add(&field, message(kind));
                }
            }
        }
    }
    errors.into_result(())
}

fn message(kind: &ValidationErrorKind) -> String {
    match kind {
        // `x or null` (an optional field): say what is wrong with the `x`.
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => context
            .iter()
            .filter(|branch| !branch.iter().any(|e| matches!(e.kind(), ValidationErrorKind::Type { kind: TypeKind::Single(t) } if t.to_string() == "null")))
            .flatten()
            .next()
            .map_or_else(|| "形式が正しくありません".to_owned(), |e| message(e.kind())),
        ValidationErrorKind::Type { kind } => {
            let wanted = match kind {
                TypeKind::Single(t) => type_name(&t.to_string()).to_owned(),
                TypeKind::Multiple(ts) => ts
                    .iter()
                    .map(|t| type_name(&t.to_string()).to_owned())
                    .collect::<Vec<_>>()
                    .join("か"),
            };
            format!("{wanted}で指定してください")
        }
        ValidationErrorKind::MaxLength { limit } => format!("{limit}文字以内にしてください"),
        ValidationErrorKind::MinLength { limit: 1 } => "入力してください".into(),
        ValidationErrorKind::MinLength { limit } => format!("{limit}文字以上にしてください"),
        ValidationErrorKind::MaxItems { limit } => format!("{limit}件以内にしてください"),
        ValidationErrorKind::MinItems { limit } => format!("{limit}件以上にしてください"),
        ValidationErrorKind::UniqueItems => "同じものが重なっています".into(),
        ValidationErrorKind::Minimum { limit } | ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("{limit}以上にしてください")
        }
        ValidationErrorKind::Maximum { limit } | ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("{limit}以下にしてください")
        }
        ValidationErrorKind::Enum { options } => {
            let keys: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().map_or(v.to_string(), str::to_owned)).collect())
                .unwrap_or_default();
            format!("次のいずれかにしてください: {}", keys.join("、"))
        }
        ValidationErrorKind::Pattern { pattern } if pattern == NO_CONTROLS => {
            "制御文字（NULなど）は使えません".into()
        }
        ValidationErrorKind::Pattern { pattern } if pattern == NOT_BLANK => {
            "空白以外の文字を入力してください（制御文字は使えません）".into()
        }
        ValidationErrorKind::Pattern { pattern } if pattern == DATE => date_message(),
        ValidationErrorKind::Pattern { pattern } if pattern == CODE => {
            "32文字以内の半角英数字・ハイフン・アンダースコアにしてください".into()
        }
        ValidationErrorKind::Pattern { pattern } if pattern == KANA => "ひらがなかカタカナにしてください".into(),
        ValidationErrorKind::Pattern { pattern } if pattern == PHONE => "数字とハイフンにしてください".into(),
        ValidationErrorKind::Pattern { pattern } if pattern == TIME => "時刻は 19:00 の形にしてください".into(),
        ValidationErrorKind::Format { format } if format == "date" => date_message(),
        _ => "形式が正しくありません".into(),
    }
}

fn date_message() -> String {
    "日付は 2026-04-01 の形（1900〜2199年）で指定してください".into()
}

fn type_name(t: &str) -> &'static str {
    match t {
        "string" => "文字列",
        "integer" => "整数",
        "number" => "数値",
        "boolean" => "true か false",
        "array" => "配列",
        "object" => "オブジェクト",
        "null" => "null",
        _ => "正しい型",
    }
}

/// Says in the document, for every request body, what a text may hold:
/// no control characters, and not blank where it must be given (`minLength`
/// 1); and that an object takes no fields it does not list.
pub struct Contract;

impl utoipa::Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut bodies: Vec<String> = Vec::new();
        for item in openapi.paths.paths.values() {
            let operations = [&item.post, &item.patch, &item.put, &item.delete];
            for op in operations.into_iter().flatten() {
                let Some(RefOr::T(body)) = &op.request_body else {
                    continue;
                };
                for content in body.content.values() {
                    if let RefOr::T(content) = content
                        && let Some(RefOr::Ref(r)) = &content.schema
                    {
                        bodies.push(r.ref_location.trim_start_matches("#/components/schemas/").to_owned());
                    }
                }
            }
        }
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for name in bodies {
            if let Some(RefOr::T(schema)) = components.schemas.get_mut(&name) {
                tighten(schema);
            }
        }
    }
}

/// Adds the text rules and closes the objects of one request schema, down
/// through its inline parts (a tagged union's branches, arrays).
fn tighten(schema: &mut Schema) {
    match schema {
        Schema::Object(o) => {
            let is_text = matches!(
                &o.schema_type,
                utoipa::openapi::schema::SchemaType::Type(utoipa::openapi::Type::String)
            ) || matches!(&o.schema_type, utoipa::openapi::schema::SchemaType::Array(ts) if ts.contains(&utoipa::openapi::Type::String));
            if let Some((_, pattern)) = ALIASES.iter().find(|(alias, _)| o.pattern.as_deref() == Some(alias)) {
                o.pattern = Some((*pattern).to_owned());
            }
            if is_text && o.pattern.is_none() && o.enum_values.is_none() && o.format.is_none() {
                o.pattern = Some(
                    if o.min_length.is_some_and(|n| n > 0) {
                        NOT_BLANK
                    } else {
                        NO_CONTROLS
                    }
                    .to_owned(),
                );
            }
            if !o.properties.is_empty() {
                o.additional_properties
                    .get_or_insert(Box::new(AdditionalProperties::FreeForm(false)));
                for property in o.properties.values_mut() {
                    if let RefOr::T(p) = property {
                        tighten(p);
                    }
                }
            }
        }
        Schema::Array(a) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut a.items
                && let RefOr::T(item) = items.as_mut()
            {
                tighten(item);
            }
        }
        Schema::OneOf(one) => {
            for item in &mut one.items {
                if let RefOr::T(s) = item {
                    tighten(s);
                }
            }
        }
        Schema::AllOf(all) => {
            for item in &mut all.items {
                if let RefOr::T(s) = item {
                    tighten(s);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, s: &str) -> bool {
        let v = jsonschema::validator_for(&serde_json::json!({"type": "string", "pattern": pattern})).unwrap();
        v.is_valid(&Value::String(s.to_owned()))
    }

    #[test]
    fn the_date_pattern_takes_every_real_date_of_its_years_and_nothing_else() {
        let mut day = chrono::NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        let last = chrono::NaiveDate::from_ymd_opt(2199, 12, 31).unwrap();
        while day <= last {
            assert!(matches(DATE, &day.to_string()), "{day}");
            day = day.succ_opt().unwrap();
        }
        for not in [
            "1899-12-31",
            "2200-01-01",
            "1900-02-29",
            "2100-02-29",
            "2026-02-29",
            "2026-04-31",
            "2026-13-01",
            "2026-4-1",
            "令和8年4月1日",
        ] {
            assert!(!matches(DATE, not), "{not}");
        }
        assert!(matches(DATE, "2000-02-29") && matches(DATE, "2028-02-29"));
    }

    #[test]
    fn text_patterns_refuse_controls_and_blanks() {
        assert!(matches(NO_CONTROLS, "") && matches(NO_CONTROLS, "一行目\r\n二行目\tタブ"));
        assert!(!matches(NO_CONTROLS, "a\u{0}b") && !matches(NO_CONTROLS, "\u{7f}"));
        assert!(matches(NOT_BLANK, " 街灯 ") && matches(NOT_BLANK, "\u{3000}側溝"));
        for blank in ["", "   ", "\u{3000}", "\n\t", "a\u{0}"] {
            assert!(!matches(NOT_BLANK, blank), "{blank:?}");
        }
    }
}
