//! The KP statistics' series drawn as an SVG chart, on the server: one group of bars per year,
//! one bar per direction the tables show (import, export, and transit when any year has it),
//! one panel for the volume in carats and one for the value in US dollars, with axes, ticks,
//! a legend, a title and text alternatives (`<title>`, `<desc>`, `aria-label`) in the language
//! asked for. Production is not drawn: none is recorded (see [`super::NOTES`]).
//!
//! Hand-written rather than drawn by a charting crate (`plotters` and its SVG backend were the
//! candidate): the chart is a few dozen rects, lines and texts, and writing them ourselves keeps
//! the tick and bar labels exact decimals (`rust_decimal`; floats only place pixels), every text
//! escaped by the reports' one escaping function ([`esc`]), and the markup free of scripts,
//! `style` attributes, fonts and external references (presentation attributes only), so it
//! needs nothing from a Content-Security-Policy and adds no dependency to central.

use super::super::render::esc;
use super::{KpFlow, KpStatistics, KpYear};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// The language of the chart's words: the dashboard's languages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChartLang {
    /// English (the printable page's language).
    #[default]
    En,
    /// Russian.
    Ru,
    /// Kyrgyz.
    Ky,
}

impl ChartLang {
    /// The language of a dashboard language code (`en`, `ru`, `ky`).
    pub fn from_code(code: &str) -> Option<ChartLang> {
        match code {
            "en" => Some(ChartLang::En),
            "ru" => Some(ChartLang::Ru),
            "ky" => Some(ChartLang::Ky),
            _ => None,
        }
    }
}

/// The chart's words in one language.
struct Words {
    title: &'static str,
    heading: &'static str,
    volume: &'static str,
    value: &'static str,
    ct: &'static str,
    usd: &'static str,
    directions: [&'static str; 3],
    how: &'static str,
    production: &'static str,
    not_in_usd: &'static str,
    nothing: &'static str,
}

const EN: Words = Words {
    title: "Kimberley Process statistics, {span}: rough diamonds by year",
    heading: "Rough diamonds by year, {span}",
    volume: "Volume, ct",
    value: "Value, US$",
    ct: "ct",
    usd: "US$",
    directions: ["Import", "Export", "Transit"],
    how: "Grouped bars, one group per local year and one bar per direction: the volume in carats above, the value in US dollars below.",
    production: "Production: none recorded.",
    not_in_usd: "Values in other currencies are not drawn.",
    nothing: "No rough diamonds in these years",
};

const RU: Words = Words {
    title: "Статистика Кимберлийского процесса, {span}: необработанные алмазы по годам",
    heading: "Необработанные алмазы по годам, {span}",
    volume: "Объём, кар",
    value: "Стоимость, долл. США",
    ct: "кар",
    usd: "долл. США",
    directions: ["Импорт", "Экспорт", "Транзит"],
    how: "Сгруппированные столбцы: группа на каждый год (по местному времени), столбец на каждое направление; вверху объём в каратах, внизу стоимость в долларах США.",
    production: "Добыча: не зарегистрирована.",
    not_in_usd: "Стоимость в других валютах не показана.",
    nothing: "Необработанных алмазов в эти годы нет",
};

const KY: Words = Words {
    title: "Кимберли процессинин статистикасы, {span}: иштетиле элек алмаздар жылдар боюнча",
    heading: "Иштетиле элек алмаздар жылдар боюнча, {span}",
    volume: "Көлөмү, кар",
    value: "Наркы, АКШ долл.",
    ct: "кар",
    usd: "АКШ долл.",
    directions: ["Импорт", "Экспорт", "Транзит"],
    how: "Топтолгон тилкелер: ар бир жылга (жергиликтүү убакыт боюнча) бир топ, ар бир багытка бир тилке; жогоруда көлөмү каратта, төмөндө наркы АКШ долларында.",
    production: "Казып алуу: катталган эмес.",
    not_in_usd: "Башка валютадагы нарк көрсөтүлгөн жок.",
    nothing: "Бул жылдары иштетиле элек алмаздар жок",
};

/// The directions' codes and colours (Okabe–Ito, told apart with colour-blindness too).
const DIRECTIONS: [(&str, &str); 3] = [
    ("import", "#0072B2"),
    ("export", "#E69F00"),
    ("transit", "#009E73"),
];

/// One panel's figure: the volume or the value.
#[derive(Clone, Copy)]
pub(super) enum Measure {
    Volume,
    Value,
}

impl Measure {
    fn code(self) -> &'static str {
        match self {
            Measure::Volume => "volume_ct",
            Measure::Value => "value_usd",
        }
    }

    fn of(self, f: &KpFlow) -> Decimal {
        match self {
            Measure::Volume => f.volume_ct,
            Measure::Value => f.value_usd,
        }
    }
}

// ---- geometry (pixels) ----

const WIDTH: f64 = 560.0;
const LEFT: f64 = 104.0;
const RIGHT: f64 = 16.0;
const PLOT_HEIGHT: f64 = 170.0;
/// The first panel's top; each panel is [`PANEL`] high.
const PANELS_TOP: f64 = 64.0;
const PANEL: f64 = 240.0;
const HEIGHT: f64 = PANELS_TOP + 2.0 * PANEL;
/// Year labels shown at most (every n-th year past that).
const MAX_YEAR_LABELS: usize = 12;

/// SVG markup being written: elements with their attributes, every text escaped.
#[derive(Default)]
pub(super) struct Svg {
    pub(super) out: String,
}

impl Svg {
    /// `<name a="v" ...>`, or `<name ... />` when `empty`; values escaped.
    pub(super) fn open(&mut self, name: &str, attrs: &[(&str, String)], empty: bool) {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            let _ = write!(self.out, " {k}=\"{}\"", esc(v));
        }
        self.out.push_str(if empty { "/>\n" } else { ">" });
    }

    pub(super) fn close(&mut self, name: &str) {
        let _ = writeln!(self.out, "</{name}>");
    }

    /// An element holding only `text`, escaped.
    pub(super) fn text_element(&mut self, name: &str, attrs: &[(&str, String)], text: &str) {
        self.open(name, attrs, false);
        self.out.push_str(&esc(text));
        self.close(name);
    }

    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str) {
        self.open(
            "line",
            &[
                ("x1", px(x1)),
                ("y1", px(y1)),
                ("x2", px(x2)),
                ("y2", px(y2)),
                ("stroke", stroke.to_owned()),
            ],
            true,
        );
    }

    fn text(&mut self, (x, y): (f64, f64), anchor: &str, extra: &[(&str, String)], text: &str) {
        let mut attrs = vec![
            ("x", px(x)),
            ("y", px(y)),
            ("text-anchor", anchor.to_owned()),
        ];
        attrs.extend(extra.iter().cloned());
        self.text_element("text", &attrs, text);
    }
}

/// A pixel coordinate as written: two decimals at most.
fn px(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A decimal as people read it in a chart: the integer part's digits grouped by three with a
/// narrow no-break space (the SI's grouping, read alike in English and Russian); exact.
pub(super) fn grouped(d: Decimal) -> String {
    let text = d.normalize().to_string();
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// The value axis for figures up to `max`: a step of 1, 2 or 5 times a power of ten (from a
/// hundredth, the KP's weighing step) and how many steps reach `max` (at most 5; 1 when there
/// is nothing to draw). Exact, and the top (step times steps) always a decimal.
pub(super) fn axis(max: Decimal) -> (Decimal, u32) {
    if max <= Decimal::ZERO {
        return (Decimal::ONE, 1);
    }
    let mut base = Decimal::new(1, 2);
    loop {
        for m in [1u8, 2, 5] {
            let Some(step) = base.checked_mul(Decimal::from(m)) else {
                return (max, 1);
            };
            if step
                .checked_mul(Decimal::from(5))
                .is_none_or(|top| top >= max)
            {
                let steps = (max / step).ceil().to_u32().unwrap_or(5).max(1);
                // Past what a decimal holds (no report comes near): one step to the top.
                return match step.checked_mul(Decimal::from(steps)) {
                    Some(_) => (step, steps),
                    None => (max, 1),
                };
            }
        }
        match base.checked_mul(Decimal::TEN) {
            Some(b) => base = b,
            None => return (max, 1),
        }
    }
}

impl KpStatistics {
    /// The directions drawn: those the tables show.
    fn drawn(&self) -> usize {
        if self.has_transit {
            3
        } else {
            2
        }
    }

    /// The chart of the years' series, as a standalone `<svg>` element (no XML declaration, so
    /// it can sit in an HTML page as is), its words in `lang`.
    pub fn chart_svg(&self, lang: ChartLang) -> String {
        let w = match lang {
            ChartLang::En => &EN,
            ChartLang::Ru => &RU,
            ChartLang::Ky => &KY,
        };
        let span = match (self.years.first(), self.years.last()) {
            (Some(a), Some(b)) if a.year != b.year => format!("{}\u{2013}{}", a.year, b.year),
            (Some(a), _) => a.year.to_string(),
            _ => String::new(),
        };
        let title = w.title.replace("{span}", &span);
        let mut svg = Svg::default();
        svg.open(
            "svg",
            &[
                ("xmlns", "http://www.w3.org/2000/svg".to_owned()),
                ("class", "kp-chart".to_owned()),
                ("viewBox", format!("0 0 {} {}", px(WIDTH), px(HEIGHT))),
                ("width", px(WIDTH)),
                ("height", px(HEIGHT)),
                ("role", "img".to_owned()),
                ("aria-label", title.clone()),
                ("aria-describedby", "kp-chart-desc".to_owned()),
                ("font-family", "system-ui, sans-serif".to_owned()),
                ("font-size", "11".to_owned()),
            ],
            false,
        );
        svg.out.push('\n');
        svg.text_element("title", &[("id", "kp-chart-title".to_owned())], &title);
        svg.text_element(
            "desc",
            &[("id", "kp-chart-desc".to_owned())],
            &self.description(w),
        );
        svg.text(
            (WIDTH / 2.0, 20.0),
            "middle",
            &[
                ("font-size", "13".to_owned()),
                ("font-weight", "600".to_owned()),
            ],
            // Shorter than the title, to fit the width; the page names the report.
            &w.heading.replace("{span}", &span),
        );
        // The legend.
        svg.open("g", &[("class", "legend".to_owned())], false);
        let mut x = LEFT;
        for (i, (code, colour)) in DIRECTIONS.iter().enumerate().take(self.drawn()) {
            svg.open(
                "rect",
                &[
                    ("x", px(x)),
                    ("y", "34".to_owned()),
                    ("width", "10".to_owned()),
                    ("height", "10".to_owned()),
                    ("fill", (*colour).to_owned()),
                    ("data-direction", (*code).to_owned()),
                ],
                true,
            );
            svg.text((x + 14.0, 43.0), "start", &[], w.directions[i]);
            x += 110.0;
        }
        svg.close("g");
        for (i, (measure, label, unit)) in [
            (Measure::Volume, w.volume, w.ct),
            (Measure::Value, w.value, w.usd),
        ]
        .into_iter()
        .enumerate()
        {
            self.panel(
                &mut svg,
                PANELS_TOP + PANEL * i as f64,
                measure,
                (label, unit),
                w,
            );
        }
        svg.close("svg");
        svg.out
    }

    /// One panel: its title, ticks and grid, axes, a group of bars per year, the years.
    fn panel(
        &self,
        svg: &mut Svg,
        top: f64,
        measure: Measure,
        (label, unit): (&str, &str),
        w: &Words,
    ) {
        let plot_top = top + 26.0;
        let bottom = plot_top + PLOT_HEIGHT;
        let right = WIDTH - RIGHT;
        let max = self
            .years
            .iter()
            .flat_map(|y| flows(y).into_iter().take(self.drawn()))
            .map(|f| measure.of(f))
            .max()
            .unwrap_or_default();
        let (step, steps) = axis(max);
        let axis_top = step * Decimal::from(steps);
        let height_of = |v: Decimal| -> f64 {
            v.checked_div(axis_top)
                .and_then(|r| r.to_f64())
                .unwrap_or(0.0)
                .clamp(0.0, 1.0)
                * PLOT_HEIGHT
        };
        svg.open(
            "g",
            &[
                ("class", "panel".to_owned()),
                ("data-measure", measure.code().to_owned()),
            ],
            false,
        );
        svg.text(
            (LEFT, top + 12.0),
            "start",
            &[("font-weight", "600".to_owned())],
            label,
        );
        for i in 0..=steps {
            let tick = step * Decimal::from(i);
            let y = bottom - height_of(tick);
            if i > 0 {
                svg.line((LEFT, y), (right, y), "#dddddd");
            }
            svg.text(
                (LEFT - 6.0, y + 4.0),
                "end",
                &[
                    ("class", "tick".to_owned()),
                    ("data-value", tick.normalize().to_string()),
                ],
                &grouped(tick),
            );
        }
        svg.line((LEFT, plot_top), (LEFT, bottom), "#333333");
        svg.line((LEFT, bottom), (right, bottom), "#333333");
        let n = self.years.len().max(1);
        let group = (right - LEFT) / n as f64;
        let bar = group * 0.8 / self.drawn() as f64;
        let label_every = n.div_ceil(MAX_YEAR_LABELS);
        for (i, row) in self.years.iter().enumerate() {
            let x0 = LEFT + group * i as f64 + group * 0.1;
            svg.open(
                "g",
                &[
                    ("class", "year".to_owned()),
                    ("data-year", row.year.to_string()),
                ],
                false,
            );
            for (d, f) in flows(row).into_iter().enumerate().take(self.drawn()) {
                let v = measure.of(f);
                let h = height_of(v);
                let (code, colour) = DIRECTIONS[d];
                svg.open(
                    "rect",
                    &[
                        ("class", "bar".to_owned()),
                        ("data-direction", code.to_owned()),
                        ("data-value", v.to_string()),
                        ("x", px(x0 + bar * d as f64)),
                        ("y", px(bottom - h)),
                        ("width", px(bar)),
                        ("height", px(h)),
                        ("fill", colour.to_owned()),
                    ],
                    false,
                );
                svg.text_element(
                    "title",
                    &[],
                    &format!("{}, {}: {} {unit}", row.year, w.directions[d], v),
                );
                svg.close("rect");
            }
            svg.close("g");
            if i % label_every == 0 {
                svg.text(
                    (x0 + group * 0.4, bottom + 15.0),
                    "middle",
                    &[("class", "year-label".to_owned())],
                    &row.year.to_string(),
                );
            }
        }
        if max.is_zero() {
            svg.text(
                ((LEFT + right) / 2.0, plot_top + PLOT_HEIGHT / 2.0),
                "middle",
                &[
                    ("class", "nothing".to_owned()),
                    ("fill", "#555555".to_owned()),
                ],
                w.nothing,
            );
        }
        svg.close("g");
    }

    /// The chart's text alternative: how it is drawn, then every figure it draws.
    fn description(&self, w: &Words) -> String {
        let mut d = format!("{} {}", w.how, w.production);
        if self.has_not_in_usd {
            let _ = write!(d, " {}", w.not_in_usd);
        }
        for row in &self.years {
            let figures: Vec<String> = flows(row)
                .into_iter()
                .enumerate()
                .take(self.drawn())
                .map(|(i, f)| {
                    format!(
                        "{} {} {}, {} {}",
                        w.directions[i].to_lowercase(),
                        f.volume_ct,
                        w.ct,
                        f.value_usd,
                        w.usd
                    )
                })
                .collect();
            let _ = write!(d, " {}: {}.", row.year, figures.join("; "));
        }
        d
    }
}

fn flows(row: &KpYear) -> [&KpFlow; 3] {
    [&row.import, &row.export, &row.transit]
}
