//! Charts drawn by `plotters` into SVG strings: donuts (with outside labels and leader lines)
//! and the horizontal stacked bar of module states. The numbers behind each chart are also
//! written as an HTML table by the pages; these functions only draw.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The font stack the SVG text uses (the page's).
const FONT: &str =
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
/// plotters writes `font-size` as the style's size / 1.24; this gives 13 px.
const LABEL_SIZE: f64 = 14.0 * 1.24;
const INK: RGBColor = RGBColor(0x1f, 0x29, 0x37);
const MUTED: RGBColor = RGBColor(0x6b, 0x72, 0x80);
const RULE: RGBColor = RGBColor(0xe5, 0xe7, 0xeb);

/// Slices smaller than this share get no outside label (their numbers are in the table).
pub(crate) const LABEL_MIN_SHARE: f64 = 0.03;

/// One slice of a donut, or one segment of a bar.
#[derive(Debug, Clone)]
pub(crate) struct Slice {
    pub label: String,
    pub value: u64,
    pub color: RGBColor,
    /// Said after the label in tables, not on the chart (`4 types`).
    pub note: Option<String>,
}

/// A donut of the non-zero slices, the total in the hole, each slice of at least
/// [`LABEL_MIN_SHARE`] labelled outside with its name (counts and shares are in the page's
/// table next to it). `None` when all are zero.
pub(crate) fn donut(slices: &[Slice], caption: &str) -> Option<String> {
    guarded(|| donut_svg(slices, caption))
}

/// Runs a drawing; a panic inside the charting library becomes "no chart" (the page still has
/// the numbers in its table) rather than a failed request.
fn guarded(draw: impl FnOnce() -> Option<String>) -> Option<String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(draw))
        .ok()
        .flatten()
}

fn donut_svg(slices: &[Slice], caption: &str) -> Option<String> {
    let shown: Vec<&Slice> = slices.iter().filter(|slice| slice.value > 0).collect();
    let total: u64 = shown.iter().map(|slice| slice.value).sum();
    if total == 0 {
        return None;
    }
    let (width, height) = (400u32, 240u32);
    let center = (width as i32 / 2, height as i32 / 2);
    let radius = 80.0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw_donut(&root, &shown, total, caption, center, radius).ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

fn draw_donut(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    shown: &[&Slice],
    total: u64,
    caption: &str,
    center: (i32, i32),
    radius: f64,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let sizes: Vec<f64> = shown.iter().map(|slice| slice.value as f64).collect();
    let colors: Vec<RGBColor> = shown.iter().map(|slice| slice.color).collect();
    // Names are drawn below, placed so they never overlap; the pie's own labels stay empty.
    let blanks = vec![""; shown.len()];
    // Start at 12 o'clock (plotters measures angles clockwise from 3 o'clock).
    let start_degrees = -90.0;
    let mut pie = Pie::new(&center, &radius, &sizes, &colors, &blanks);
    pie.start_angle(start_degrees);
    pie.donut_hole(radius * 0.62);
    root.draw(&pie)?;

    let centered = Pos::new(HPos::Center, VPos::Center);
    root.draw(&Text::new(
        total.to_string(),
        (center.0, center.1 - 8),
        (FONT, 26.0 * 1.24)
            .into_font()
            .style(FontStyle::Bold)
            .color(&INK)
            .pos(centered),
    ))?;
    root.draw(&Text::new(
        caption.to_owned(),
        (center.0, center.1 + 14),
        (FONT, 12.0 * 1.24).into_font().color(&MUTED).pos(centered),
    ))?;

    // Outside labels: at the middle angle of each large enough slice, pushed apart per side.
    let mut left = Vec::new();
    let mut right = Vec::new();
    let mut start = start_degrees.to_radians();
    for slice in shown {
        let share = slice.value as f64 / total as f64;
        let middle = start + share * std::f64::consts::PI;
        start += share * 2.0 * std::f64::consts::PI;
        if share < LABEL_MIN_SHARE {
            continue;
        }
        let (sin, cos) = middle.sin_cos();
        let anchor = (
            center.0 as f64 + (radius + 2.0) * cos,
            center.1 as f64 + (radius + 2.0) * sin,
        );
        let elbow_y = center.1 as f64 + (radius + 12.0) * sin;
        let text = truncate(&slice.label, 13);
        let label = Label {
            anchor,
            y: elbow_y,
            text,
            color: slice.color,
        };
        if cos < 0.0 {
            left.push(label);
        } else {
            right.push(label);
        }
    }
    let top = 10.0;
    let bottom = f64::from(root.dim_in_pixel().1) - 10.0;
    for (labels, side) in [(&mut left, -1.0), (&mut right, 1.0)] {
        spread(labels, top, bottom, 16.0);
        let x_text = center.0 as f64 + side * (radius + 20.0);
        for label in labels.iter() {
            let elbow = (center.0 as f64 + side * (radius + 12.0), label.y);
            root.draw(&PathElement::new(
                vec![
                    (label.anchor.0 as i32, label.anchor.1 as i32),
                    (elbow.0 as i32, elbow.1 as i32),
                    ((x_text - side * 4.0) as i32, label.y as i32),
                ],
                label.color.stroke_width(1),
            ))?;
            let h_pos = if side < 0.0 { HPos::Right } else { HPos::Left };
            root.draw(&Text::new(
                label.text.clone(),
                (x_text as i32, label.y as i32),
                (FONT, LABEL_SIZE)
                    .into_font()
                    .color(&INK)
                    .pos(Pos::new(h_pos, VPos::Center)),
            ))?;
        }
    }
    Ok(())
}

struct Label {
    anchor: (f64, f64),
    y: f64,
    text: String,
    color: RGBColor,
}

/// Moves labels (sorted by their wanted `y`) apart to at least `gap`, inside `top..bottom`.
fn spread(labels: &mut [Label], top: f64, bottom: f64, gap: f64) {
    labels.sort_by(|a, b| a.y.total_cmp(&b.y));
    let mut floor = top;
    for label in labels.iter_mut() {
        label.y = label.y.max(floor);
        floor = label.y + gap;
    }
    let mut ceiling = bottom;
    for label in labels.iter_mut().rev() {
        label.y = label.y.min(ceiling);
        ceiling = label.y - gap;
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(max - 1).collect();
        short.push('…');
        short
    }
}

/// One bar of the stacked bar chart.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub label: String,
    pub segments: Vec<Slice>,
}

/// Which shape of the bar chart: wide for desktop, narrow (larger text per pixel) for phones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Wide,
    Narrow,
}

/// Horizontal stacked bars (one per `bars` entry, top to bottom), the x axis in counts up to
/// the largest bar's total. `None` when every bar is empty.
pub(crate) fn stacked_bars(bars: &[Bar], shape: Shape) -> Option<String> {
    guarded(|| stacked_bars_svg(bars, shape))
}

fn stacked_bars_svg(bars: &[Bar], shape: Shape) -> Option<String> {
    let longest = bars
        .iter()
        .map(|bar| {
            bar.segments
                .iter()
                .map(|segment| segment.value)
                .sum::<u64>()
        })
        .max()
        .unwrap_or(0);
    if longest == 0 {
        return None;
    }
    let (width, row, label_area, font) = match shape {
        Shape::Wide => (1300u32, 38u32, 180u32, LABEL_SIZE),
        Shape::Narrow => (400u32, 44u32, 160u32, 15.0 * 1.24),
    };
    let height = row * bars.len() as u32 + 40;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw_bars(&root, bars, longest, label_area, font).ok()?;
        root.present().ok()?;
    }
    Some(svg)
}

fn draw_bars(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    bars: &[Bar],
    longest: u64,
    label_area: u32,
    font: f64,
) -> Result<(), DrawingAreaErrorKind<std::io::Error>> {
    let rows = bars.len() as u32;
    let mut chart = ChartBuilder::on(root)
        .margin_top(6)
        .margin_right(18)
        .x_label_area_size(28)
        .y_label_area_size(label_area)
        .build_cartesian_2d(0u64..longest, (0u32..rows).into_segmented())?;
    let names: Vec<String> = bars.iter().map(|bar| bar.label.clone()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(6)
        .max_light_lines(1)
        .bold_line_style(RULE)
        .axis_style(RULE)
        .x_label_style((FONT, font * 0.9).into_font().color(&MUTED))
        .y_label_style((FONT, font).into_font().color(&INK))
        .x_label_formatter(&|value| value.to_string())
        .y_label_formatter(&|value| match value {
            SegmentValue::CenterOf(index) => {
                // Row 0 is drawn at the bottom; list the first bar at the top.
                rows.checked_sub(index + 1)
                    .and_then(|position| names.get(position as usize).cloned())
                    .unwrap_or_default()
            }
            _ => String::new(),
        })
        .y_labels(bars.len())
        .draw()?;
    for (position, bar) in bars.iter().enumerate() {
        let row = rows - 1 - position as u32;
        let mut start = 0u64;
        for segment in bar.segments.iter().filter(|segment| segment.value > 0) {
            let end = start + segment.value;
            let mut rectangle = Rectangle::new(
                [
                    (start, SegmentValue::Exact(row)),
                    (end, SegmentValue::Exact(row + 1)),
                ],
                segment.color.filled(),
            );
            rectangle.set_margin(7, 7, 0, 1);
            chart.draw_series(std::iter::once(rectangle))?;
            start = end;
        }
    }
    Ok(())
}
