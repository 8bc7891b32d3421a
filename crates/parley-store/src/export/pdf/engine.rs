//! The PDF's pages: each conversation laid out into boxes of lines ([`Flow`]), then drawn with
//! its header (the customer, the period) and footer ("Page N of M") on each page.

use super::flow::{
    AGENT_BG, BOT_BG, Block, CONTENT_W, CUSTOMER_BG, Flow, GREY, INDENT, INK, MARGIN, NOTE_BAR,
    NOTE_BG, Op, PAD, PAGE_H, PAGE_W, Pen, Rgb, SetText, Styled,
};
use super::fonts::Fonts;
use super::layout::{self, Line, Missing, lines, shape};
use crate::export::{ExportConversation, iso_utc};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, FillRule};
use krilla::text::{GlyphId, KrillaGlyph};
use parley_domain::AuthorKind;

/// The writer's fonts and the document, made on first use (listing the system's fonts takes
/// a moment, so it happens on the export's worker thread, not where the writer is made).
struct State {
    fonts: Fonts,
    primary: usize,
    doc: krilla::Document,
}

/// The document being made, on the writer's own thread (krilla's document is not `Send`).
pub(super) struct Engine {
    state: Option<State>,
    exported_at: i64,
    /// Pages counted by the first pass, and drawn so far.
    total: usize,
    drawn: usize,
    missing: Missing,
}

impl Engine {
    pub(super) fn new() -> Self {
        Engine {
            state: None,
            exported_at: 0,
            total: 0,
            drawn: 0,
            missing: Missing::default(),
        }
    }

    fn state(&mut self) -> std::io::Result<&mut State> {
        if self.state.is_none() {
            let mut fonts = Fonts::system();
            let primary = fonts.primary().ok_or_else(|| {
                std::io::Error::other(
                    "no font for text was found on this machine: install the Noto fonts \
                     (on Debian or Ubuntu: apt install fonts-noto-core fonts-noto-cjk \
                     fonts-noto-color-emoji), then export again",
                )
            })?;
            let mut doc = krilla::Document::new();
            doc.set_metadata(
                krilla::metadata::Metadata::new()
                    .title("Parley conversations".into())
                    .creator("Parley".into()),
            );
            self.state = Some(State {
                fonts,
                primary,
                doc,
            });
        }
        Ok(self.state.as_mut().expect("made above"))
    }

    /// Lays out `c` into pages (content only: the header and footer are drawn per page).
    fn layout(&mut self, c: &ExportConversation) -> std::io::Result<Vec<Vec<Op>>> {
        let missing = &mut self.missing;
        let state = self
            .state
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the PDF writer was not started"))?;
        let fonts = &mut state.fonts;
        let mut set = |text: &str, size: f32, bold: bool, color: Rgb, width: f32| -> Vec<Styled> {
            lines(fonts, text, size, bold, width, missing)
                .into_iter()
                .map(|line| Styled { line, size, color })
                .collect()
        };
        let r = &c.row;
        let mut flow = Flow::new();
        // The title.
        let mut title = set(&r.contact_name, 16.0, true, INK, CONTENT_W);
        title.extend(set(
            &format!(
                "Conversation {} · {} · {} · {}",
                r.thread_id.0,
                r.channel.display_name(),
                r.account_name,
                r.status.as_str()
            ),
            9.0,
            false,
            GREY,
            CONTENT_W,
        ));
        title.extend(set(
            &format!(
                "Started {} · first response {} · {} messages",
                r.started_at.map(iso_utc).unwrap_or_else(|| "—".into()),
                r.first_response_ms
                    .map(|ms| format!("after {} min", ms / 60_000))
                    .unwrap_or_else(|| "none".into()),
                c.messages.len()
            ),
            9.0,
            false,
            GREY,
            CONTENT_W,
        ));
        flow.place(Block {
            lines: title,
            left: 0.0,
            right: 0.0,
            background: None,
            bar: None,
        });
        flow.y += 6.0;

        let note_block = |set: &mut SetText<'_>, n: &parley_domain::Annotation| {
            let w = CONTENT_W - INDENT - 2.0 * PAD - 4.0;
            let head = if n.quote.is_empty() {
                format!("Manager's note (internal) by {}", n.author)
            } else {
                format!("Manager's note (internal) by {} on “{}”", n.author, n.quote)
            };
            let mut l = set(&head, 8.5, true, NOTE_BAR, w);
            l.extend(set(&n.body, 10.0, false, INK, w));
            Block {
                lines: l,
                left: INDENT,
                right: 0.0,
                background: Some(NOTE_BG),
                bar: Some(NOTE_BAR),
            }
        };

        for m in &c.messages {
            let v = &m.message;
            let (kind, bg, left, right) = match m.author_kind {
                AuthorKind::Customer => ("Customer", CUSTOMER_BG, 0.0, INDENT),
                AuthorKind::Agent => ("Agent", AGENT_BG, INDENT, 0.0),
                AuthorKind::Bot => ("Bot", BOT_BG, INDENT, 0.0),
            };
            let w = CONTENT_W - left - right - 2.0 * PAD - 4.0;
            let mut l = set(
                &format!(
                    "{} · {} · {} {} · {}",
                    iso_utc(v.sent_at).replace('T', " ").replace('Z', " UTC"),
                    m.channel.display_name(),
                    kind,
                    v.author_name,
                    v.delivery.as_str()
                ),
                8.5,
                false,
                GREY,
                w,
            );
            if let Some(subject) = &v.subject {
                l.extend(set(subject, 10.5, true, INK, w));
            }
            if !v.text.is_empty() {
                l.extend(set(&v.text, 10.5, false, INK, w));
            }
            for a in &v.attachments {
                let name = a
                    .file_name
                    .clone()
                    .or_else(|| a.description.clone())
                    .unwrap_or_else(|| "attachment".into());
                let size = a.size.map(|s| format!(" ({s} bytes)")).unwrap_or_default();
                l.extend(set(
                    &format!("Attachment: {name}{size}"),
                    9.0,
                    false,
                    GREY,
                    w,
                ));
            }
            flow.place(Block {
                lines: l,
                left,
                right,
                background: Some(bg),
                bar: None,
            });
            for n in c.annotations.iter().filter(|n| n.message_id == Some(v.id)) {
                flow.place(note_block(&mut set, n));
            }
        }
        for n in c.annotations.iter().filter(|n| n.message_id.is_none()) {
            flow.place(note_block(&mut set, n));
        }
        Ok(flow.finish())
    }

    /// The header's words for `c`: the customer and the period its messages cover.
    fn header(c: &ExportConversation) -> (String, String) {
        let day = |at: i64| iso_utc(at)[..10].to_owned();
        let first = c
            .messages
            .first()
            .map(|m| m.message.sent_at)
            .or(c.row.started_at);
        let last = c.messages.last().map(|m| m.message.sent_at).or(first);
        let period = match (first, last) {
            (Some(a), Some(b)) if day(a) != day(b) => format!("{} – {} (UTC)", day(a), day(b)),
            (Some(a), _) => format!("{} (UTC)", day(a)),
            _ => "no messages".into(),
        };
        let name: String = c.row.contact_name.chars().take(60).collect();
        (format!("Customer: {name}"), format!("Period: {period}"))
    }
}

/// Draws `line` with its left end at (`x`, baseline `y`).
fn draw_line(
    surface: &mut krilla::surface::Surface<'_>,
    fonts: &Fonts,
    primary: usize,
    pen: Pen,
    line: &Line,
) {
    let Pen { x, y, size, color } = pen;
    for p in &line.pieces {
        let (face, color) = match p.face {
            Some(f) => (f, color),
            None => (primary, GREY),
        };
        let shaped = shape(fonts, face, &p.text, p.rtl, size);
        if shaped.is_empty() {
            continue;
        }
        // Each glyph maps to the text of its cluster: that is what a reader selects and copies.
        let mut starts: Vec<usize> = shaped.iter().map(|g| g.cluster).collect();
        starts.sort_unstable();
        starts.dedup();
        let end_of = |s: usize| {
            starts
                .iter()
                .find(|&&n| n > s)
                .copied()
                .unwrap_or(p.text.len())
        };
        let glyphs: Vec<KrillaGlyph> = shaped
            .iter()
            .map(|g| KrillaGlyph {
                glyph_id: GlyphId::new(g.glyph),
                text_range: g.cluster..end_of(g.cluster),
                x_advance: g.advance / size,
                x_offset: g.dx / size,
                y_offset: g.dy / size,
                y_advance: 0.0,
                location: None,
            })
            .collect();
        surface.set_fill(Some(fill(color)));
        surface.draw_glyphs(
            Point::from_xy(x + p.x, y),
            &glyphs,
            fonts.face(face).krilla.clone(),
            &p.text,
            size,
            false,
        );
    }
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: krilla::color::rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn draw_rect(surface: &mut krilla::surface::Surface<'_>, rect: Rect, color: Rgb) {
    let mut pb = PathBuilder::new();
    pb.push_rect(rect);
    if let Some(path) = pb.finish() {
        surface.set_fill(Some(fill(color)));
        surface.draw_path(&path);
    }
}

impl Engine {
    pub(super) fn plan(&mut self, c: &ExportConversation) -> std::io::Result<()> {
        self.state()?;
        self.total += self.layout(c)?.len();
        Ok(())
    }

    pub(super) fn begin(&mut self, exported_at: i64) {
        self.exported_at = exported_at;
    }

    pub(super) fn conversation(&mut self, c: &ExportConversation) -> std::io::Result<()> {
        self.state()?;
        let pages = self.layout(c)?;
        let (who, period) = Self::header(c);
        let footer_left = format!("Parley · exported {}", iso_utc(self.exported_at));
        for ops in pages {
            self.drawn += 1;
            let of = if self.total >= self.drawn {
                format!("Page {} of {}", self.drawn, self.total)
            } else {
                format!("Page {}", self.drawn)
            };
            let missing = &mut self.missing;
            let state = self.state.as_mut().expect("made above");
            let mut set = |text: &str, size: f32, bold: bool| -> Option<Line> {
                lines(&mut state.fonts, text, size, bold, CONTENT_W / 2.0, missing)
                    .into_iter()
                    .next()
            };
            let head_left = set(&who, 9.0, true);
            let head_right = set(&period, 9.0, false);
            let foot_left = set(&footer_left, 8.0, false);
            let foot_right = set(&of, 8.0, false);
            let settings = krilla::page::PageSettings::from_wh(PAGE_W, PAGE_H)
                .ok_or_else(|| std::io::Error::other("bad page size"))?;
            let mut page = state.doc.start_page_with(settings);
            let mut surface = page.surface();
            let (fonts, primary) = (&state.fonts, state.primary);
            if let Some(l) = &head_left {
                draw_line(
                    &mut surface,
                    fonts,
                    primary,
                    Pen {
                        x: MARGIN,
                        y: 46.0,
                        size: 9.0,
                        color: INK,
                    },
                    l,
                );
            }
            if let Some(l) = &head_right {
                let x = PAGE_W - MARGIN - l.width;
                draw_line(
                    &mut surface,
                    fonts,
                    primary,
                    Pen {
                        x,
                        y: 46.0,
                        size: 9.0,
                        color: GREY,
                    },
                    l,
                );
            }
            if let Some(rule) = Rect::from_xywh(MARGIN, 56.0, CONTENT_W, 0.6) {
                draw_rect(&mut surface, rule, GREY);
            }
            for op in &ops {
                match op {
                    Op::Rect { rect, color } => draw_rect(&mut surface, *rect, *color),
                    Op::Text {
                        x,
                        y,
                        size,
                        color,
                        line,
                    } => draw_line(
                        &mut surface,
                        fonts,
                        primary,
                        Pen {
                            x: *x,
                            y: *y,
                            size: *size,
                            color: *color,
                        },
                        line,
                    ),
                }
            }
            let fy = PAGE_H - 34.0;
            if let Some(l) = &foot_left {
                draw_line(
                    &mut surface,
                    fonts,
                    primary,
                    Pen {
                        x: MARGIN,
                        y: fy,
                        size: 8.0,
                        color: GREY,
                    },
                    l,
                );
            }
            if let Some(l) = &foot_right {
                let x = PAGE_W - MARGIN - l.width;
                draw_line(
                    &mut surface,
                    fonts,
                    primary,
                    Pen {
                        x,
                        y: fy,
                        size: 8.0,
                        color: INK,
                    },
                    l,
                );
            }
            surface.finish();
            page.finish();
        }
        Ok(())
    }

    /// The whole PDF.
    pub(super) fn finish(&mut self) -> std::io::Result<Vec<u8>> {
        let state = match self.state.take() {
            Some(s) => s,
            None => {
                self.state()?;
                self.state.take().expect("made above")
            }
        };
        let mut doc = state.doc;
        if self.drawn == 0 {
            // A PDF has at least one page.
            let settings = krilla::page::PageSettings::from_wh(PAGE_W, PAGE_H)
                .ok_or_else(|| std::io::Error::other("bad page size"))?;
            doc.start_page_with(settings).finish();
        }
        drop(state.fonts);
        doc.finish()
            .map_err(|e| std::io::Error::other(format!("the PDF could not be made: {e}")))
    }

    pub(super) fn notes(&self) -> Vec<String> {
        if self.missing.0.is_empty() {
            return Vec::new();
        }
        let shown: Vec<String> = self
            .missing
            .0
            .iter()
            .take(12)
            .map(|&c| layout::placeholder(c))
            .collect();
        let more = self.missing.0.len().saturating_sub(12);
        vec![format!(
            "{} character{} had no font on this machine and show as a placeholder: {}{}. Installing the Noto fonts (fonts-noto-core, fonts-noto-cjk, fonts-noto-color-emoji on Debian or Ubuntu) usually covers them.",
            self.missing.0.len(),
            if self.missing.0.len() == 1 { "" } else { "s" },
            shown.join(" "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )]
    }
}
