//! The site's Content-Security-Policy (`default-src 'self'; style-src
//! 'self'`) refuses inline scripts, inline event handlers, `javascript:`
//! links, `<style>` elements and `style` attributes. A template holding one
//! makes a control that silently does nothing (「印刷する」 did, with
//! `onclick="window.print()"`), so none may be written; behaviour goes in
//! static/kyodo.js, looks in static/kyodo.css. The browser suite
//! (scripts/browser) catches what a template builds at run time.

use std::path::Path;

/// Each place in `html` that the CSP would refuse, as a short description.
fn refused(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut rest = lower.as_str();
    while let Some(at) = rest.find("<script") {
        let tag = &rest[at..rest[at..].find('>').map_or(rest.len(), |end| at + end)];
        if !tag.contains(" src=") {
            found.push("an inline <script>".to_owned());
        }
        rest = &rest[at + 7..];
    }
    if lower.contains("<style") {
        found.push("a <style> element".to_owned());
    }
    if lower.contains("javascript:") {
        found.push("a javascript: link".to_owned());
    }
    let bytes = lower.as_bytes();
    for (i, window) in bytes.windows(3).enumerate() {
        if !window[0].is_ascii_whitespace() {
            continue;
        }
        let name: String = lower[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if !lower[i + 1 + name.len()..].starts_with('=') {
            continue;
        }
        if name == "style" {
            found.push("a style attribute".to_owned());
        } else if name.len() > 2 && name.starts_with("on") && name[2..].chars().all(|c| c.is_ascii_lowercase()) {
            found.push(format!("an inline handler {name}="));
        }
    }
    found
}

#[test]
fn no_template_holds_what_the_csp_refuses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        let html = std::fs::read_to_string(&path).unwrap();
        for what in refused(&html) {
            problems.push(format!("{}: {what}", path.file_name().unwrap().to_string_lossy()));
        }
    }
    assert!(problems.is_empty(), "the CSP would refuse:\n{}", problems.join("\n"));
}

#[test]
fn the_scan_finds_what_the_csp_refuses() {
    assert_eq!(
        refused(r#"<button type="button" onclick="window.print()">印刷する</button>"#),
        ["an inline handler onclick="]
    );
    assert_eq!(refused(r#"<p style="color: red">x</p>"#), ["a style attribute"]);
    assert_eq!(refused("<script>alert(1)</script>"), ["an inline <script>"]);
    assert!(refused(r#"<script src="/static/kyodo.js" defer></script>"#).is_empty());
    assert!(refused(r#"<button type="button" data-print>印刷する</button>"#).is_empty());
    assert!(refused(r#"<input name="one" value="online">"#).is_empty());
}
