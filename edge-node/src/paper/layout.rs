//! A [`Sheet`] laid out on A4 pages with `printpdf`: DejaVu Sans embedded so Cyrillic prints on
//! any machine (one face, whole: printpdf subsets only with its heavy layout feature; bold is
//! the same face filled and stroked), each label in Russian with its English beneath, values wrapped to
//! their column by the font's own glyph widths, the signed act's QR code drawn as vector
//! squares (crisp at any printer resolution), and the act id with the page number at the foot
//! of every page. Nothing here reads the act: only the sheet and the code's modules.

use super::content::Sheet;
use super::words::{self, Bi};
use printpdf::{
    Color, FontId, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point,
    Pt, Rect, Rgb, TextItem, TextRenderingMode,
};
use std::sync::OnceLock;

const DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const MARGIN: f32 = 18.0;
const FOOT: f32 = 12.0;
const LABEL_W: f32 = 52.0;
const GAP: f32 = 4.0;
const VALUE_X: f32 = MARGIN + LABEL_W + GAP;
const VALUE_W: f32 = PAGE_W - MARGIN - VALUE_X;
/// The widest a QR code is printed, quiet zone included, in mm.
const QR_MAX: f32 = 72.0;
/// The largest module printed, in mm.
const QR_MODULE_MAX: f32 = 0.9;
/// The side of a code of `modules` modules on paper, its quiet zone included, in mm.
fn qr_side(modules: usize) -> f32 {
    let module = (QR_MAX / (modules as f32 + 8.0)).min(QR_MODULE_MAX);
    module * (modules as f32 + 8.0)
}

/// Points per millimetre.
const PT_PER_MM: f32 = 72.0 / 25.4;

/// The font, parsed once per process.
fn font() -> &'static ParsedFont {
    static FONT: OnceLock<ParsedFont> = OnceLock::new();
    FONT.get_or_init(|| {
        ParsedFont::from_bytes(DEJAVU_SANS, 0, &mut Vec::new())
            .expect("the embedded DejaVu Sans parses")
    })
}

/// Regular, or bold (filled and stroked).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Face {
    Regular,
    Bold,
}

/// The width of `text` in `face` at `size` points, in mm.
fn width(face: Face, size: f32, text: &str) -> f32 {
    let font = font();
    // The stroke of bold text widens each glyph a little.
    let stroke = if face == Face::Bold { 1.04 } else { 1.0 };
    let units: u32 = text
        .chars()
        .map(|c| {
            font.lookup_glyph_index(c as u32)
                .and_then(|g| font.get_glyph_width(g))
                .map_or(u32::from(font.units_per_em) / 2, u32::from)
        })
        .sum();
    units as f32 / f32::from(font.units_per_em.max(1)) * size / PT_PER_MM * stroke
}

/// `text` broken into lines no wider than `max` mm: at line feeds, between words, and inside a
/// word longer than a line (ids, keys).
fn wrap(face: Face, size: f32, text: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(face, size, &candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word alone, broken where it must be.
            for c in word.chars() {
                line.push(c);
                if width(face, size, &line) > max {
                    line.pop();
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// Pages being written: the ops of each, and the cursor (mm from the top of the current page).
struct Pages {
    font: FontId,
    done: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
}

const BLACK: Rgb = Rgb {
    r: 0.0,
    g: 0.0,
    b: 0.0,
    icc_profile: None,
};
const GREY: Rgb = Rgb {
    r: 0.35,
    g: 0.35,
    b: 0.35,
    icc_profile: None,
};

impl Pages {
    fn new(font: FontId) -> Pages {
        Pages {
            font,
            done: Vec::new(),
            ops: Vec::new(),
            y: MARGIN,
        }
    }

    /// Starts a new page unless `height` mm still fit on this one.
    fn room(&mut self, height: f32) {
        if self.y + height > PAGE_H - MARGIN - FOOT && self.y > MARGIN {
            self.done.push(std::mem::take(&mut self.ops));
            self.y = MARGIN;
        }
    }

    /// One line of text with its baseline `size` below `top` (mm from the page's top).
    fn text(&mut self, face: Face, size: f32, color: Rgb, x: f32, top: f32, text: &str) {
        let baseline = top + size / PT_PER_MM;
        let mode = match face {
            Face::Regular => TextRenderingMode::Fill,
            Face::Bold => TextRenderingMode::FillStroke,
        };
        self.ops.extend([
            Op::StartTextSection,
            Op::SetTextRenderingMode { mode },
            Op::SetOutlineColor {
                col: Color::Rgb(color.clone()),
            },
            Op::SetOutlineThickness {
                pt: Pt(size * 0.035),
            },
            Op::SetFillColor {
                col: Color::Rgb(color),
            },
            Op::SetFont {
                font: PdfFontHandle::External(self.font.clone()),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(PAGE_H - baseline)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// Lines of text from the cursor down, starting a page where needed.
    fn paragraph(&mut self, face: Face, size: f32, color: Rgb, x: f32, w: f32, text: &str) {
        let step = size * 1.3 / PT_PER_MM;
        for line in wrap(face, size, text, w) {
            self.room(step);
            let y = self.y;
            self.text(face, size, color.clone(), x, y, &line);
            self.y += step;
        }
    }

    /// A filled black rectangle, `x`/`top` in mm from the page's top left.
    fn black(&mut self, x: f32, top: f32, w: f32, h: f32) {
        let mut rect = Rect::from_xywh(
            Mm(x).into(),
            Mm(PAGE_H - top - h).into(),
            Mm(w).into(),
            Mm(h).into(),
        );
        rect.mode = Some(printpdf::PaintMode::Fill);
        self.ops.push(Op::DrawPolygon {
            polygon: rect.to_polygon(),
        });
    }

    /// A thin rule across the page under the cursor.
    fn rule(&mut self) {
        self.ops.push(Op::SetFillColor {
            col: Color::Rgb(GREY),
        });
        let y = self.y;
        self.black(MARGIN, y, PAGE_W - 2.0 * MARGIN, 0.2);
        self.ops.push(Op::SetFillColor {
            col: Color::Rgb(BLACK),
        });
    }

    /// A section's heading: Russian in bold, English beside it.
    fn heading(&mut self, heading: Bi) {
        self.room(16.0);
        self.y += 3.0;
        let y = self.y;
        self.text(Face::Bold, 12.0, BLACK, MARGIN, y, heading.ru);
        let x = MARGIN + width(Face::Bold, 12.0, heading.ru) + 3.0;
        self.text(Face::Regular, 10.0, GREY, x, y + 0.7, heading.en);
        self.y += 12.0 * 1.35 / PT_PER_MM;
        self.rule();
        self.y += 1.5;
    }

    /// A labelled line: Russian label with the English beneath on the left, the value wrapped
    /// on the right.
    fn row(&mut self, label: Bi, value: &str) {
        let (label_size, en_size, value_size) = (8.5, 7.0, 9.5);
        let ru = wrap(Face::Bold, label_size, label.ru, LABEL_W);
        let en = wrap(Face::Regular, en_size, label.en, LABEL_W);
        let value_lines = wrap(Face::Regular, value_size, value, VALUE_W);
        let label_h = ru.len() as f32 * label_size * 1.25 / PT_PER_MM
            + en.len() as f32 * en_size * 1.25 / PT_PER_MM;
        let value_step = value_size * 1.3 / PT_PER_MM;
        let value_h = value_lines.len() as f32 * value_step;
        // A row is kept whole on a page unless it is longer than half a page.
        self.room(label_h.max(value_h).min(PAGE_H / 2.0));
        let top = self.y;
        let mut y = top;
        for line in &ru {
            self.text(Face::Bold, label_size, BLACK, MARGIN, y, line);
            y += label_size * 1.25 / PT_PER_MM;
        }
        for line in &en {
            self.text(Face::Regular, en_size, GREY, MARGIN, y, line);
            y += en_size * 1.25 / PT_PER_MM;
        }
        let label_end = y;
        let page = self.done.len();
        for line in &value_lines {
            self.room(value_step);
            let y = self.y;
            self.text(Face::Regular, value_size, BLACK, VALUE_X, y, line);
            self.y += value_step;
        }
        if self.done.len() == page {
            self.y = self.y.max(label_end);
        }
        self.y += 1.3;
    }

    /// The QR code: `width` modules a side, dark ones listed row by row; with `caption` beside.
    fn qr(&mut self, modules: usize, dark: &[bool], caption: &str) {
        let side = qr_side(modules);
        let module = side / (modules as f32 + 8.0);
        self.room(side + 2.0);
        let (x0, y0) = (MARGIN + 4.0 * module, self.y + 4.0 * module);
        for row in 0..modules {
            // Runs of dark modules as one rectangle each, a hair taller than a module so that
            // rows meet without a seam when rasterized.
            let mut col = 0;
            while col < modules {
                if !dark[row * modules + col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < modules && dark[row * modules + col] {
                    col += 1;
                }
                self.black(
                    x0 + start as f32 * module,
                    y0 + row as f32 * module,
                    (col - start) as f32 * module,
                    module * 1.02,
                );
            }
        }
        let top = self.y;
        let text_x = MARGIN + side + 6.0;
        let saved = self.y;
        self.y = top + 4.0 * module;
        for line in wrap(Face::Regular, 8.5, caption, PAGE_W - MARGIN - text_x) {
            let y = self.y;
            self.text(Face::Regular, 8.5, BLACK, text_x, y, &line);
            self.y += 8.5 * 1.3 / PT_PER_MM;
        }
        self.y = saved.max(top + side) + 2.0;
    }

    fn finish(mut self, act_id: &str) -> Vec<PdfPage> {
        self.done.push(std::mem::take(&mut self.ops));
        let total = self.done.len();
        let (font, pages) = (self.font.clone(), std::mem::take(&mut self.done));
        pages
            .into_iter()
            .enumerate()
            .map(|(n, mut ops)| {
                let foot = format!(
                    "{} / {}: {act_id} · {} / {} {}/{total}",
                    words::ACT_ID.ru,
                    words::ACT_ID.en,
                    words::PAGE.ru,
                    words::PAGE.en,
                    n + 1
                );
                let mut footer = Pages::new(font.clone());
                footer.text(Face::Regular, 7.0, GREY, MARGIN, PAGE_H - MARGIN, &foot);
                ops.extend(footer.ops);
                PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops)
            })
            .collect()
    }
}

/// What goes where the QR code is.
pub enum Code<'a> {
    /// The code's modules: width and dark modules, row by row.
    Printed(usize, &'a [bool]),
    /// Too large for one code: the paper says so.
    TooLarge(usize),
}

/// The PDF of `sheet` with `code`.
pub fn pdf(sheet: &Sheet, code: Code<'_>) -> Vec<u8> {
    let title = format!("{} — {}", sheet.kind.ru, sheet.act_id);
    let mut doc = PdfDocument::new(&title);
    let font = doc.add_font(font());
    let mut p = Pages::new(font);

    p.text(
        Face::Regular,
        8.5,
        GREY,
        MARGIN,
        MARGIN,
        &words::PAPER.both(),
    );
    p.y += 6.0;
    p.paragraph(
        Face::Bold,
        17.0,
        BLACK,
        MARGIN,
        PAGE_W - 2.0 * MARGIN,
        sheet.kind.ru,
    );
    p.paragraph(
        Face::Regular,
        12.0,
        GREY,
        MARGIN,
        PAGE_W - 2.0 * MARGIN,
        sheet.kind.en,
    );
    p.y += 1.0;
    p.paragraph(
        Face::Regular,
        7.5,
        GREY,
        MARGIN,
        PAGE_W - 2.0 * MARGIN,
        &format!("{}\n{}", words::PAPER_NOTE.ru, words::PAPER_NOTE.en),
    );
    for section in &sheet.sections {
        p.heading(section.heading);
        for r in &section.rows {
            p.row(r.label, &r.value);
        }
    }
    if let Code::Printed(modules, _) = code {
        // The heading stays with its code.
        p.room(16.0 + qr_side(modules) + 2.0);
    }
    p.heading(words::QR);
    match code {
        Code::Printed(modules, dark) => {
            let caption = format!(
                "{}\n\n{}\n\n{} / {}:\n{}",
                words::QR_HOW.ru,
                words::QR_HOW.en,
                words::ACT_ID.ru,
                words::ACT_ID.en,
                sheet.act_id
            );
            p.qr(modules, dark, &caption);
        }
        Code::TooLarge(characters) => {
            let text = format!(
                "{}\n{}\n({characters} > 2331)",
                words::QR_TOO_LARGE.ru,
                words::QR_TOO_LARGE.en
            );
            p.paragraph(
                Face::Bold,
                10.0,
                BLACK,
                MARGIN,
                PAGE_W - 2.0 * MARGIN,
                &text,
            );
        }
    }
    let pages = p.finish(&sheet.act_id);
    doc.with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_their_column_and_lose_no_character() {
        let text = "Поломка в пути: the escort vehicle was hit from behind near km 14\n\
                    0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let lines = wrap(Face::Regular, 9.5, text, 60.0);
        assert!(lines.len() >= 4, "{lines:?}");
        for l in &lines {
            assert!(width(Face::Regular, 9.5, l) <= 60.0, "{l}");
        }
        let joined: String = lines
            .concat()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let given: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(joined, given);
        // Cyrillic is measured with the font's own widths: wider than nothing, narrower than
        // an em each.
        let w = width(Face::Regular, 10.0, "Пломба");
        assert!(
            w > 6.0 * 0.3 * 10.0 / PT_PER_MM && w < 6.0 * 10.0 / PT_PER_MM,
            "{w}"
        );
    }
}
