//! Text set into lines: a paragraph is split into runs of one face and one direction (the
//! Unicode bidi algorithm, `unicode-bidi`), each run shaped (`rustybuzz`: Arabic joins,
//! Devanagari clusters, emoji sequences), then broken into lines at the Unicode line-break
//! opportunities (`unicode-linebreak`; a word wider than the line breaks between clusters),
//! and each line's runs put in visual order (rule L2). A line keeps its pieces' text, not their
//! glyphs: a piece is shaped again when drawn, so a laid-out page costs little more than its
//! text.
//!
//! A character no face on the machine has becomes a placeholder piece, `[U+XXXX]`, drawn in
//! grey and counted, so the export says what could not be shown.

use super::fonts::{Fonts, is_emoji, joins_previous};
use std::collections::BTreeSet;
use unicode_bidi::BidiInfo;
use unicode_linebreak::{BreakOpportunity, linebreaks};

/// Part of a line in one face and one direction.
#[derive(Debug, Clone)]
pub struct Piece {
    /// The face, or `None` for a placeholder (drawn with the first face).
    pub face: Option<usize>,
    pub text: String,
    pub rtl: bool,
    /// From the line's start, in points.
    pub x: f32,
}

/// One line, its pieces in visual order.
#[derive(Debug, Clone, Default)]
pub struct Line {
    pub pieces: Vec<Piece>,
    pub width: f32,
    /// A right-to-left paragraph: the line aligns right.
    pub rtl: bool,
}

/// Characters that no face had, over the export.
#[derive(Debug, Default)]
pub struct Missing(pub BTreeSet<char>);

/// A glyph as shaped: its id, the byte where its cluster starts (in the shaped text), advance
/// and offsets in points.
pub struct Shaped {
    pub glyph: u32,
    pub cluster: usize,
    pub advance: f32,
    pub dx: f32,
    pub dy: f32,
}

/// Shapes `text` in face `face` at `size` points.
pub fn shape(fonts: &Fonts, face: usize, text: &str, rtl: bool, size: f32) -> Vec<Shaped> {
    let f = fonts.face(face);
    let shaper = f.shaper();
    let mut buffer = rustybuzz::UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(if rtl {
        rustybuzz::Direction::RightToLeft
    } else {
        rustybuzz::Direction::LeftToRight
    });
    let out = rustybuzz::shape(shaper, &[], buffer);
    let scale = size / f.units_per_em;
    out.glyph_infos()
        .iter()
        .zip(out.glyph_positions())
        .map(|(i, p)| Shaped {
            glyph: i.glyph_id,
            cluster: i.cluster as usize,
            advance: p.x_advance as f32 * scale,
            dx: p.x_offset as f32 * scale,
            dy: p.y_offset as f32 * scale,
        })
        .collect()
}

/// The placeholder drawn for a character no face has.
pub fn placeholder(c: char) -> String {
    format!("[U+{:04X}]", c as u32)
}

/// A run of the paragraph: bytes `start..end` in one face (or a placeholder) and one level.
struct Run {
    start: usize,
    end: usize,
    face: Option<usize>,
    level: u8,
}

/// Drops what would draw nothing or a box: control characters other than line ends; tabs
/// become spaces.
fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' => Some('\n'),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Sets `text` into lines at most `width` points wide.
pub fn lines(
    fonts: &mut Fonts,
    text: &str,
    size: f32,
    bold: bool,
    width: f32,
    missing: &mut Missing,
) -> Vec<Line> {
    let text = clean(text);
    let mut out = Vec::new();
    for para in text.split('\n') {
        paragraph(fonts, para, size, bold, width, missing, &mut out);
    }
    out
}

fn paragraph(
    fonts: &mut Fonts,
    para: &str,
    size: f32,
    bold: bool,
    width: f32,
    missing: &mut Missing,
    out: &mut Vec<Line>,
) {
    if para.is_empty() {
        out.push(Line::default());
        return;
    }
    let bidi = BidiInfo::new(para, None);
    let base_rtl = bidi.paragraphs.first().is_some_and(|p| p.level.is_rtl());
    let levels = &bidi.levels;

    // Runs of one face and one level.
    let mut runs: Vec<Run> = Vec::new();
    let mut chars = para.char_indices().peekable();
    let mut prev: Option<usize> = None;
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let level = levels[i].number();
        let face = if joins_previous(c) {
            match runs.last() {
                Some(r) if r.face.is_some() => r.face,
                _ => fonts.primary(),
            }
        } else {
            let emoji = is_emoji(c) || next == Some('\u{FE0F}');
            let f = fonts.pick(c, emoji, bold, prev);
            if f.is_none() {
                missing.0.insert(c);
            }
            f
        };
        prev = face.or(prev);
        let end = i + c.len_utf8();
        match runs.last_mut() {
            Some(r) if r.face.is_some() && r.face == face && r.level == level => r.end = end,
            _ => runs.push(Run {
                start: i,
                end,
                face,
                level,
            }),
        }
    }

    // The advance of each cluster, at the byte where it starts.
    let mut advance = vec![0f32; para.len()];
    let primary = fonts.primary();
    for r in &runs {
        let piece = &para[r.start..r.end];
        match r.face.or(primary) {
            Some(face) if r.face.is_some() => {
                for g in shape(fonts, face, piece, r.level % 2 == 1, size) {
                    advance[r.start + g.cluster] += g.advance;
                }
            }
            Some(face) => {
                let label: String = piece.chars().map(placeholder).collect();
                advance[r.start] = shape(fonts, face, &label, false, size)
                    .iter()
                    .map(|g| g.advance)
                    .sum();
            }
            None => {}
        }
    }
    let span = |a: usize, b: usize| advance[a..b].iter().sum::<f32>();
    let trailing_space = |a: usize, b: usize| {
        let trimmed = para[a..b].trim_end();
        span(a + trimmed.len(), b)
    };

    // Greedy lines over the break opportunities.
    let mut breaks: Vec<(usize, usize)> = Vec::new();
    let (mut line_start, mut last_fit) = (0usize, None::<usize>);
    for (at, kind) in linebreaks(para) {
        if at == 0 {
            continue;
        }
        let fits = span(line_start, at) - trailing_space(line_start, at) <= width;
        if !fits {
            if let Some(end) = last_fit {
                breaks.push((line_start, end));
                line_start = end;
            }
            // The segment alone is wider than a line: break between clusters.
            while span(line_start, at) - trailing_space(line_start, at) > width {
                let mut cut = line_start;
                for (j, _) in para[line_start..at].char_indices().skip(1) {
                    let b = line_start + j;
                    if span(line_start, b) > width {
                        break;
                    }
                    // A cluster starts here.
                    if advance[b] > 0.0 {
                        cut = b;
                    }
                }
                if cut == line_start {
                    // Not even one cluster fits: put it alone on its line.
                    cut = para[line_start..at]
                        .char_indices()
                        .nth(1)
                        .map_or(at, |(j, _)| line_start + j);
                }
                breaks.push((line_start, cut));
                line_start = cut;
            }
        }
        last_fit = Some(at);
        if kind == BreakOpportunity::Mandatory || at == para.len() {
            if line_start < at {
                breaks.push((line_start, at));
            }
            line_start = at;
            last_fit = None;
        }
    }

    for (a, b) in breaks {
        out.push(line(para, &runs, &advance, a, b, base_rtl));
    }
}

/// The line of bytes `a..b`: its pieces in visual order, placed.
fn line(para: &str, runs: &[Run], advance: &[f32], a: usize, b: usize, rtl: bool) -> Line {
    // Trailing spaces take no room at the end of a line.
    let b = a + para[a..b].trim_end().len();
    let mut pieces: Vec<(u8, Piece, f32)> = Vec::new();
    for r in runs {
        let (s, e) = (r.start.max(a), r.end.min(b));
        if s >= e {
            continue;
        }
        let text = if r.face.is_some() {
            para[s..e].to_owned()
        } else {
            para[s..e].chars().map(placeholder).collect()
        };
        let w: f32 = advance[s..e].iter().sum();
        pieces.push((
            r.level,
            Piece {
                face: r.face,
                text,
                rtl: r.level % 2 == 1,
                x: 0.0,
            },
            w,
        ));
    }
    // Rule L2: from the highest level down to the lowest odd one, reverse every sequence of
    // pieces at that level or higher.
    let max = pieces.iter().map(|p| p.0).max().unwrap_or(0);
    let min_odd = pieces.iter().map(|p| p.0 | 1).min().unwrap_or(1);
    let mut level = max;
    while level >= min_odd && level > 0 {
        let mut i = 0;
        while i < pieces.len() {
            if pieces[i].0 >= level {
                let mut j = i;
                while j < pieces.len() && pieces[j].0 >= level {
                    j += 1;
                }
                pieces[i..j].reverse();
                i = j;
            } else {
                i += 1;
            }
        }
        level -= 1;
    }
    let mut x = 0.0;
    let mut placed = Vec::with_capacity(pieces.len());
    for (_, mut p, w) in pieces {
        p.x = x;
        x += w;
        placed.push(p);
    }
    Line {
        pieces: placed,
        width: x,
        rtl,
    }
}
