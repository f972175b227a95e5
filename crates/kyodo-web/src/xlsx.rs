//! Excel workbooks (xlsx) for exports: what staff open first today. Text is
//! written as text, never as a formula, so a cell starting with `=` is safe.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::error::AppError;

pub enum XCell {
    Text(String),
    /// A measure such as hours, shown with one decimal.
    Number(f64),
    /// A count, shown without a decimal point.
    Integer(i64),
}

impl From<String> for XCell {
    fn from(s: String) -> Self {
        XCell::Text(s)
    }
}

impl From<&str> for XCell {
    fn from(s: &str) -> Self {
        XCell::Text(s.to_owned())
    }
}

impl From<i64> for XCell {
    fn from(n: i64) -> Self {
        XCell::Integer(n)
    }
}

impl From<u32> for XCell {
    fn from(n: u32) -> Self {
        XCell::Integer(i64::from(n))
    }
}

impl From<Option<f64>> for XCell {
    fn from(n: Option<f64>) -> Self {
        n.map_or(XCell::Text(String::new()), XCell::Number)
    }
}

/// One worksheet: a header row, then the rows.
pub struct Sheet {
    /// At most 31 characters (Excel's limit), no `[]:*?/\`.
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<XCell>>,
}

fn build(sheets: Vec<Sheet>) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(&sheet.name)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            ws.write_string_with_format(0, col(c), h, &bold)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    XCell::Text(s) if s.is_empty() => {}
                    XCell::Text(s) => {
                        ws.write_string(r, col(c), s)?;
                    }
                    XCell::Number(n) => {
                        ws.write_number(r, col(c), *n)?;
                    }
                    XCell::Integer(n) => {
                        // Counts stay far below 2^53, exact as f64.
                        ws.write_number(r, col(c), *n as f64)?;
                    }
                }
            }
        }
        ws.set_freeze_panes(1, 0)?;
        if !sheet.headers.is_empty() {
            let last_row = u32::try_from(sheet.rows.len()).unwrap_or(u32::MAX);
            ws.autofilter(0, 0, last_row, col(sheet.headers.len() - 1))?;
        }
        ws.autofit();
    }
    book.save_to_buffer()
}

/// Column numbers stop at Excel's 16,384; ours have a few dozen at most.
fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

pub fn workbook(sheets: Vec<Sheet>) -> Result<Vec<u8>, AppError> {
    build(sheets).map_err(|e| AppError::Internal(format!("xlsx: {e}")))
}

pub fn attachment(bytes: Vec<u8>, filename: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
