//! CSV tables in and out: header matching, line-numbered errors, and cells
//! made safe for Excel. Decoding bytes is `encoding`'s job; this reads text.

use std::collections::HashMap;

use serde::Serialize;

use crate::validation::FieldErrors;

/// The record kinds that move in and out as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    Areas,
    Organisations,
    Departments,
    Staff,
    /// 地区の人口・世帯数 per reference date, for the block grant.
    AreaFigures,
}

impl DataKind {
    pub const ALL: [DataKind; 5] = [
        DataKind::Areas,
        DataKind::Organisations,
        DataKind::Departments,
        DataKind::Staff,
        DataKind::AreaFigures,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DataKind::Areas => "areas",
            DataKind::Organisations => "organisations",
            DataKind::Departments => "departments",
            DataKind::Staff => "staff",
            DataKind::AreaFigures => "area_figures",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DataKind::Areas => "地区",
            DataKind::Organisations => "団体",
            DataKind::Departments => "部署",
            DataKind::Staff => "職員",
            DataKind::AreaFigures => "地区の人口・世帯数",
        }
    }

    pub fn parse(s: &str) -> Option<DataKind> {
        DataKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            DataKind::Areas => crate::areas::CSV_COLUMNS,
            DataKind::Organisations => crate::organisations::CSV_COLUMNS,
            DataKind::Departments => crate::departments::CSV_COLUMNS,
            DataKind::Staff => crate::staff::CSV_COLUMNS,
            DataKind::AreaFigures => crate::grants::figures::CSV_COLUMNS,
        }
    }
}

/// One column of a record kind's CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Machine name, matching the input field it feeds.
    pub field: &'static str,
    /// The Japanese header written on export and expected on import.
    pub header: &'static str,
    pub required: bool,
}

impl Column {
    pub const fn required(field: &'static str, header: &'static str) -> Self {
        Self {
            field,
            header,
            required: true,
        }
    }

    pub const fn optional(field: &'static str, header: &'static str) -> Self {
        Self {
            field,
            header,
            required: false,
        }
    }
}

/// A problem on one line of an import, shown as 「3行目 氏名: …」.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ImportError {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// The column's header, when the problem is in one cell.
    pub column: Option<String>,
    /// What the cell holds (cut short when long), so the user sees what was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub message: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.column, &self.value) {
            (Some(c), Some(v)) => write!(f, "{}行目「{}」『{}』: {}", self.line, c, v, self.message),
            (Some(c), None) => write!(f, "{}行目「{}」: {}", self.line, c, self.message),
            (None, _) => write!(f, "{}行目: {}", self.line, self.message),
        }
    }
}

impl ImportError {
    pub fn new(line: u64, column: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            line,
            column: column.map(str::to_owned),
            value: None,
            message: message.into(),
        }
    }

    /// Field errors from validating `line`, each placed in its column with
    /// the cell's value beside it.
    pub fn from_line(line: &CsvLine, columns: &[Column], errors: FieldErrors) -> Vec<Self> {
        errors
            .errors
            .into_iter()
            .map(|e| {
                let column = column_for(columns, &e.field);
                Self {
                    value: column.and_then(|c| line.get(c.field)).map(|v| shorten(&v)),
                    ..Self::new(line.line, column.map(|c| c.header), e.message)
                }
            })
            .collect()
    }

    /// Field errors from validating one line, each placed in its column.
    pub fn from_fields(line: u64, columns: &[Column], errors: FieldErrors) -> Vec<Self> {
        errors
            .errors
            .into_iter()
            .map(|e| {
                let header = column_for(columns, &e.field).map(|c| c.header);
                Self::new(line, header, e.message)
            })
            .collect()
    }
}

/// The column that feeds a record's `field`: the same name, or the code
/// column of a reference (`department_code` feeds `department_id`).
fn column_for<'a>(columns: &'a [Column], field: &str) -> Option<&'a Column> {
    columns.iter().find(|c| {
        c.field == field
            || matches!(
                (c.field.strip_suffix("_code"), field.strip_suffix("_id")),
                (Some(a), Some(b)) if a == b
            )
    })
}

/// What an import did, or would do on a dry run.
#[derive(Debug, Default, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Keys (codes, employee numbers) of the records created.
    pub created: Vec<String>,
    /// Keys and their field changes `{"field": [before, after]}`.
    pub updated: Vec<UpdatedRecord>,
    pub unchanged: usize,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct UpdatedRecord {
    pub key: String,
    pub changes: serde_json::Value,
}

/// An updated record's changes as people read them, one field a line:
/// 「氏名: 山田 花子 → 山本 花子」. Fields are named by their column.
pub fn describe_changes(kind: DataKind, changes: &serde_json::Value) -> Vec<String> {
    let shown = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "（なし）".to_owned(),
        serde_json::Value::String(s) if s.is_empty() => "（なし）".to_owned(),
        serde_json::Value::String(s) => shorten(s),
        other => shorten(&other.to_string()),
    };
    let Some(fields) = changes.as_object() else {
        return Vec::new();
    };
    fields
        .iter()
        .map(|(field, change)| {
            let label = column_for(kind.columns(), field).map_or(field.as_str(), |c| c.header);
            match change.as_array().map(Vec::as_slice) {
                Some([before, after]) => format!("{label}: {} → {}", shown(before), shown(after)),
                _ => format!("{label}: {}", shown(change)),
            }
        })
        .collect()
}

/// A cell's text as an error shows it: at most 30 characters.
fn shorten(value: &str) -> String {
    const SHOWN: usize = 30;
    if value.chars().count() <= SHOWN {
        value.to_owned()
    } else {
        value.chars().take(SHOWN).chain(std::iter::once('…')).collect()
    }
}

/// One data line of an import, its cells keyed by field.
#[derive(Debug, Clone)]
pub struct CsvLine {
    pub line: u64,
    values: HashMap<&'static str, String>,
}

impl CsvLine {
    /// The cell for `field`, `None` when the column is absent or blank.
    /// The cell's text, without stray control characters (a NUL pasted
    /// into a spreadsheet is never meant), or `None` when blank.
    pub fn get(&self, field: &str) -> Option<String> {
        self.values
            .get(field)
            .map(|v| crate::text::strip_controls(v).into_owned())
            .filter(|v| !v.trim().is_empty())
    }
}

/// Reads a CSV table whose first line names the columns, in Japanese or by
/// field name, in any order. Every problem is reported, none is skipped.
pub fn parse_table(text: &str, columns: &[Column]) -> Result<Vec<CsvLine>, Vec<ImportError>> {
    let mut reader = TableReader::open(text, columns)?;
    let mut errors = reader.header_errors();
    let lines: Vec<CsvLine> = reader
        .filter_map(|line| line.map_err(|e| errors.push(e)).ok())
        .collect();
    if lines.is_empty() && errors.is_empty() {
        errors.push(ImportError::new(2, None, "データの行がありません"));
    }
    if errors.is_empty() { Ok(lines) } else { Err(errors) }
}

/// A CSV table read one line at a time, so that a file of a quarter of a
/// million lines never exists as a quarter of a million cell maps.
/// Opening it reads the header; each line is then a `CsvLine` or the
/// problem that makes it unreadable.
pub struct TableReader<'a> {
    text: &'a str,
    header_errors: Vec<ImportError>,
    records: csv::StringRecordsIntoIter<&'a [u8]>,
    mapping: Vec<Option<&'static str>>,
    counter: LineCounter,
}

impl<'a> TableReader<'a> {
    /// Reads the header line. An empty or unreadable file is an error here;
    /// unknown, repeated or missing columns are kept for `header_errors`, so
    /// that the lines are still checked and every problem is reported.
    pub fn open(text: &'a str, columns: &[Column]) -> Result<Self, Vec<ImportError>> {
        let mut records = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .into_records();
        let header = match records.next() {
            Some(Ok(h)) => h,
            Some(Err(e)) => return Err(vec![csv_error(1, &e)]),
            None => return Err(vec![ImportError::new(1, None, "ファイルが空です")]),
        };
        let mut errors = Vec::new();
        let mut mapping: Vec<Option<&'static str>> = Vec::new();
        for cell in header.iter() {
            let name = crate::text::normalize_input(cell);
            let column = columns.iter().find(|c| c.header == name || c.field == name);
            match column {
                Some(c) if mapping.contains(&Some(c.field)) => {
                    errors.push(ImportError::new(1, Some(c.header), "見出しが重複しています"));
                }
                Some(c) => mapping.push(Some(c.field)),
                None => {
                    errors.push(ImportError::new(
                        1,
                        Some(&name),
                        format!(
                            "知らない見出しです。使える見出し: {}",
                            columns.iter().map(|c| c.header).collect::<Vec<_>>().join("、")
                        ),
                    ));
                    mapping.push(None);
                }
            }
        }
        for c in columns.iter().filter(|c| c.required) {
            if !mapping.contains(&Some(c.field)) {
                errors.push(ImportError::new(1, Some(c.header), "必須の列がありません"));
            }
        }
        Ok(Self {
            text,
            header_errors: errors,
            records,
            mapping,
            counter: LineCounter::default(),
        })
    }
}

impl TableReader<'_> {
    /// The header's problems (taken once).
    pub fn header_errors(&mut self) -> Vec<ImportError> {
        std::mem::take(&mut self.header_errors)
    }
}

impl Iterator for TableReader<'_> {
    type Item = Result<CsvLine, ImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let record = match self.records.next()? {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| self.counter.line_at(self.text, p.byte()));
                    return Some(Err(csv_error(line, &e)));
                }
            };
            let line = record
                .position()
                .map_or(0, |p| self.counter.line_at(self.text, p.byte()));
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            if record.len() != self.mapping.len() {
                return Some(Err(ImportError::new(
                    line,
                    None,
                    format!(
                        "列の数が見出しと合いません（見出し{}列、この行{}列）",
                        self.mapping.len(),
                        record.len()
                    ),
                )));
            }
            let values = self
                .mapping
                .iter()
                .zip(record.iter())
                .filter_map(|(field, cell)| field.map(|f| (f, cell.to_owned())))
                .collect();
            return Some(Ok(CsvLine { line, values }));
        }
    }
}

/// How far a long import has got, shared between the import, which counts,
/// and whoever shows it (the /data page), which reads.
#[derive(Debug, Default)]
pub struct ImportProgress {
    /// Data lines in the file (its newlines, so an estimate when cells hold line breaks).
    pub total: std::sync::atomic::AtomicU64,
    /// Lines checked so far.
    pub checked: std::sync::atomic::AtomicU64,
    /// Set once every line is checked and the records are being written.
    pub writing: std::sync::atomic::AtomicBool,
}

impl ImportProgress {
    /// A snapshot: (lines checked, lines in all, writing yet).
    pub fn read(&self) -> (u64, u64, bool) {
        use std::sync::atomic::Ordering::Relaxed;
        (
            self.checked.load(Relaxed),
            self.total.load(Relaxed),
            self.writing.load(Relaxed),
        )
    }

    pub fn start(&self, text: &str) {
        let newlines = text.bytes().filter(|b| *b == b'\n').count();
        let lines = newlines + usize::from(!text.is_empty() && !text.ends_with('\n'));
        // Less the header line.
        let total = u64::try_from(lines.saturating_sub(1)).unwrap_or(u64::MAX);
        self.total.store(total, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn checked(&self, line: u64) {
        self.checked
            .store(line.saturating_sub(1), std::sync::atomic::Ordering::Relaxed);
    }

    /// Every line is checked; the records are being written.
    pub fn writing(&self) {
        use std::sync::atomic::Ordering::Relaxed;
        self.checked.store(self.total.load(Relaxed), Relaxed);
        self.writing.store(true, Relaxed);
    }
}

/// Where an import started from /data stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportRunState {
    Running,
    Done,
    Refused,
    Failed,
}

impl ImportRunState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportRunState::Running => "running",
            ImportRunState::Done => "done",
            ImportRunState::Refused => "refused",
            ImportRunState::Failed => "failed",
        }
    }
}

impl TryFrom<String> for ImportRunState {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        [
            ImportRunState::Running,
            ImportRunState::Done,
            ImportRunState::Refused,
            ImportRunState::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
        .ok_or_else(|| format!("unknown import state {s}"))
    }
}

/// How an import ended.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ImportOutcome {
    /// Written (or, on a dry run, what would be).
    Done { report: ImportReport },
    /// A bad file: every problem; nothing written.
    Refused { errors: Vec<ImportError> },
    /// Something other than the file went wrong; nothing written.
    Failed { message: String },
}

impl ImportOutcome {
    pub fn state(&self) -> ImportRunState {
        match self {
            ImportOutcome::Done { .. } => ImportRunState::Done,
            ImportOutcome::Refused { .. } => ImportRunState::Refused,
            ImportOutcome::Failed { .. } => ImportRunState::Failed,
        }
    }
}

/// A run not heard from for this long was stopped with its server (its
/// transaction rolled back, so nothing of it was written).
pub const ABANDONED_AFTER_SECONDS: i64 = 30;

/// Turns the byte offsets of records, which only grow, into line numbers
/// as a spreadsheet user counts them, scanning the text once in all.
#[derive(Default)]
struct LineCounter {
    scanned: usize,
    newlines: u64,
}

impl LineCounter {
    /// The 1-based line of a record starting at `byte`. After a CRLF the csv
    /// reader places the next record at the LF, so a newline at `byte`
    /// itself belongs before the record.
    fn line_at(&mut self, text: &str, byte: u64) -> u64 {
        let end = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .saturating_add(1)
            .min(text.len());
        if end > self.scanned {
            let added = text.as_bytes()[self.scanned..end]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.newlines += u64::try_from(added).unwrap_or(0);
            self.scanned = end;
        }
        self.newlines + 1
    }
}

fn csv_error(line: u64, e: &csv::Error) -> ImportError {
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "文字コードが正しくありません".to_owned(),
        _ => "CSVの形式が正しくありません（引用符の閉じ忘れなど）".to_owned(),
    };
    ImportError::new(line, None, message)
}

/// Writes a table with the Japanese headers. Cells that Excel would run as a
/// formula (`=`, `+`, `-`, `@`, tab, CR at the start) are prefixed with `'`;
/// a negative number stays a number.
pub fn write_table(columns: &[Column], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing into a Vec cannot fail; the csv writer only reports I/O errors.
    let header: Vec<&str> = columns.iter().map(|c| c.header).collect();
    writer.write_record(&header).expect("write to Vec");
    for row in rows {
        let safe: Vec<String> = row.into_iter().map(defuse_formula).collect();
        writer.write_record(&safe).expect("write to Vec");
    }
    let bytes = writer.into_inner().expect("flush to Vec");
    String::from_utf8(bytes).expect("csv writes the UTF-8 it was given")
}

fn defuse_formula(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '@' | '\t' | '\r') => format!("'{cell}"),
        Some('-') if !is_number(&cell) => format!("'{cell}"),
        _ => cell,
    }
}

/// `-12`, `-3.5`, `1200`: a cell Excel reads as a number and nothing else.
fn is_number(cell: &str) -> bool {
    let digits = cell.strip_prefix('-').unwrap_or(cell);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[Column] = &[
        Column::required("code", "コード"),
        Column::required("name", "名称"),
        Column::optional("note", "備考"),
    ];

    #[test]
    fn headers_in_any_order_and_either_language() {
        let lines = parse_table("名称,code\r\n万田,A1\r\n,\r\n荒尾,A2\r\n", COLS).unwrap();
        assert_eq!(lines.len(), 2, "blank line skipped");
        assert_eq!(lines[0].get("code").as_deref(), Some("A1"));
        assert_eq!(lines[1].line, 4);
        assert_eq!(lines[1].get("note"), None);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let errs = parse_table("コード,色\nA1\nA2,x\n", COLS).unwrap_err();
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert!(shown.iter().any(|s| s.starts_with("1行目「色」")), "{shown:?}");
        assert!(shown.iter().any(|s| s.starts_with("1行目「名称」: 必須の列")));
        assert!(shown.iter().any(|s| s.starts_with("2行目: 列の数")));
        assert_eq!(errs.len(), 3);
    }

    #[test]
    fn empty_file_is_an_error() {
        assert_eq!(parse_table("", COLS).unwrap_err()[0].message, "ファイルが空です");
        assert_eq!(
            parse_table("コード,名称\n", COLS).unwrap_err()[0].message,
            "データの行がありません"
        );
    }

    #[test]
    fn export_quotes_and_defuses_formulas() {
        let text = write_table(COLS, vec![vec!["=1+1".into(), "a,b".into(), String::new()]]);
        assert_eq!(text, "コード,名称,備考\r\n'=1+1,\"a,b\",\r\n");
    }

    #[test]
    fn a_leading_minus_is_defused_unless_the_cell_is_a_number() {
        let text = write_table(
            COLS,
            vec![
                vec!["-1+1+cmd|' /C calc'!A0".into(), "-1200".into(), "-3.5".into()],
                vec!["-".into(), "--1".into(), "-1.".into()],
            ],
        );
        assert_eq!(
            text,
            "コード,名称,備考\r\n'-1+1+cmd|' /C calc'!A0,-1200,-3.5\r\n'-,'--1,'-1.\r\n"
        );
    }

    #[test]
    fn changes_read_as_fields_before_and_after() {
        let changes = serde_json::json!({"name": ["山田 花子", "山本 花子"], "email": [null, "h@example.jp"]});
        let mut lines = describe_changes(DataKind::Staff, &changes);
        lines.sort();
        assert_eq!(
            lines,
            vec!["メールアドレス: （なし） → h@example.jp", "氏名: 山田 花子 → 山本 花子"]
        );
    }

    #[test]
    fn a_cell_error_shows_what_was_read() {
        let lines = parse_table("コード,名称\nA1,令和5年2月30日\n", COLS).unwrap();
        let mut fe = FieldErrors::new();
        fe.add("name", "存在しない日付です");
        let errs = ImportError::from_line(&lines[0], COLS, fe);
        assert_eq!(
            errs[0].to_string(),
            "2行目「名称」『令和5年2月30日』: 存在しない日付です"
        );
    }

    #[test]
    fn field_errors_land_in_their_columns() {
        let cols = &[Column::optional("parent_code", "上位コード"), COLS[1]];
        let mut fe = FieldErrors::new();
        fe.add("parent_id", "ない");
        fe.add("name", "空");
        let errs = ImportError::from_fields(5, cols, fe);
        assert_eq!(errs[0].column.as_deref(), Some("上位コード"));
        assert_eq!(errs[1].to_string(), "5行目「名称」: 空");
    }
}
