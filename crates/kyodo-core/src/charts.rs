//! Charts drawn on the server as SVG (グラフ): they need no script, print as
//! they show, and stay readable in a PDF made from the page.

use std::fmt::Write;

/// Colours that stay apart in print and for common colour blindness
/// (Okabe–Ito), as SVG presentation attributes: the page's CSP allows no
/// inline styles.
const PALETTE: [&str; 6] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];

const WIDTH: f64 = 640.0;
const LABEL_WIDTH: f64 = 150.0;
const VALUE_WIDTH: f64 = 60.0;
const BAR_HEIGHT: f64 = 14.0;
const ROW_GAP: f64 = 8.0;
const LEGEND_HEIGHT: f64 = 24.0;
/// Longer row labels are cut with an ellipsis; the table beside the chart has them whole.
const LABEL_CHARS: usize = 11;

/// A horizontal bar chart: one group of bars per row, one bar per series.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// What the chart shows, for screen readers (and the SVG's title).
    pub title: String,
    pub series: Vec<String>,
    pub rows: Vec<(String, Vec<f64>)>,
    /// Appended to each value, e.g. 件 or 日.
    pub unit: String,
}

impl BarChart {
    pub fn svg(&self) -> String {
        let n = self.series.len().max(1);
        let group = BAR_HEIGHT * n as f64 + ROW_GAP;
        let height = LEGEND_HEIGHT + group * self.rows.len().max(1) as f64 + 4.0;
        let max = self
            .rows
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .fold(0.0_f64, f64::max);
        let scale = if max > 0.0 {
            (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / max
        } else {
            0.0
        };
        let mut s = String::new();
        // Writing to a String cannot fail.
        let _ = write!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{t}"><title>{t}</title>"#,
            t = escape(&self.title)
        );
        let mut x = LABEL_WIDTH;
        for (i, name) in self.series.iter().enumerate() {
            let _ = write!(
                s,
                r#"<rect x="{x}" y="4" width="12" height="12" fill="{c}"/><text x="{tx}" y="14" font-size="12">{n}</text>"#,
                c = PALETTE[i % PALETTE.len()],
                tx = x + 16.0,
                n = escape(name)
            );
            x += 16.0 + 13.0 * name.chars().count() as f64 + 16.0;
        }
        if self.rows.is_empty() {
            let _ = write!(
                s,
                r##"<text x="{LABEL_WIDTH}" y="{}" font-size="12" fill="#555">データがありません</text>"##,
                LEGEND_HEIGHT + 12.0
            );
        }
        for (r, (label, values)) in self.rows.iter().enumerate() {
            let top = LEGEND_HEIGHT + group * r as f64;
            let _ = write!(
                s,
                r#"<text x="{lx}" y="{ly}" font-size="12" text-anchor="end">{l}</text>"#,
                lx = LABEL_WIDTH - 6.0,
                ly = top + (BAR_HEIGHT * n as f64) / 2.0 + 4.0,
                l = escape(&shorten(label))
            );
            for (i, v) in values.iter().enumerate() {
                // A zero draws nothing: a stack of 「0件」 says less than the gap.
                if *v <= 0.0 {
                    continue;
                }
                let y = top + BAR_HEIGHT * i as f64;
                let w = (v * scale).max(0.0);
                let _ = write!(
                    s,
                    r#"<rect x="{LABEL_WIDTH}" y="{y}" width="{w:.1}" height="{bh}" fill="{c}"/><text x="{vx:.1}" y="{vy}" font-size="11">{v}{u}</text>"#,
                    bh = BAR_HEIGHT - 2.0,
                    c = PALETTE[i % PALETTE.len()],
                    vx = LABEL_WIDTH + w + 4.0,
                    vy = y + BAR_HEIGHT - 4.0,
                    v = number(*v),
                    u = escape(&self.unit)
                );
            }
        }
        s.push_str("</svg>");
        s
    }
}

fn shorten(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(LABEL_CHARS - 1).collect();
        s.push('…');
        s
    }
}

/// Whole numbers without a decimal point, others to one place.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Text made safe inside SVG markup and attributes.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(rows: Vec<(String, Vec<f64>)>) -> BarChart {
        BarChart {
            title: "部署別 <未回答>".into(),
            series: vec!["未回答".into(), "期限超過".into()],
            rows,
            unit: "件".into(),
        }
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let svg = chart(vec![
            ("道路課".into(), vec![10.0, 5.0]),
            ("福祉課".into(), vec![2.5, 0.0]),
        ])
        .svg();
        let full = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
        assert!(svg.contains(&format!(r#"width="{full:.1}""#)), "{svg}");
        assert!(svg.contains(&format!(r#"width="{:.1}""#, full / 2.0)));
        assert!(svg.contains(">2.5件<") && svg.contains(">10件<"));
        assert!(!svg.contains(">0件<"), "zeros are left out");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn text_is_escaped_and_long_labels_shortened() {
        let svg = chart(vec![("とても長い部署の名前が続きます課".into(), vec![1.0, 1.0])]).svg();
        assert!(svg.contains("部署別 &lt;未回答&gt;"));
        assert!(!svg.contains("<未回答>"));
        assert!(svg.contains(">とても長い部署の名前…<"));
    }

    #[test]
    fn an_empty_chart_says_so() {
        let svg = chart(vec![]).svg();
        assert!(svg.contains("データがありません"));
    }
}
