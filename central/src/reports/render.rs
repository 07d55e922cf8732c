//! The CSV (RFC 4180) and HTML-fragment writing both reports share: HTML escaping, CSV fields
//! and rows, and the table of consignments left out.

use super::Skipped;
use std::fmt::Write as _;

pub(super) fn skipped_html(h: &mut String, skipped: &[Skipped]) {
    if skipped.is_empty() {
        return;
    }
    h.push_str("<table class=\"skipped\">\n<caption>Consignments left out</caption>\n<thead>\n<tr><th scope=\"col\">Consignment</th><th scope=\"col\">Why</th></tr>\n</thead>\n<tbody>\n");
    for s in skipped {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td></tr>",
            esc(&s.consignment),
            esc(&s.reason)
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

/// The report's notes: how it counts, and why.
pub(super) fn notes_html(h: &mut String, notes: &[&str]) {
    if notes.is_empty() {
        return;
    }
    h.push_str("<div class=\"notes\">\n<h3>Notes</h3>\n<ul>\n");
    for note in notes {
        let _ = writeln!(h, "<li>{}</li>", esc(note));
    }
    h.push_str("</ul>\n</div>\n");
}

/// Text escaped for HTML element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

/// A CSV document being written: RFC 4180 fields, CRLF line ends.
#[derive(Default)]
pub(super) struct Csv {
    pub(super) out: String,
}

impl Csv {
    pub(super) fn row<I, S>(&mut self, fields: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, field) in fields.into_iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(&csv_field(field.as_ref()));
        }
        self.out.push_str("\r\n");
    }
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes
/// doubled.
pub fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// Free text for a CSV cell: text a spreadsheet would read as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) is prefixed with an apostrophe, so that a
/// description typed by a trader cannot run as a formula on a reconciliation officer's
/// computer. Numbers are written without this prefix.
pub fn csv_text(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_html_escaping() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(esc("<b>&'\""), "&lt;b&gt;&amp;&#39;&quot;");
    }
}
