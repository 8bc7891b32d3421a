//! A conversation's pages being laid out: boxes of lines (a message, a note, the title) placed
//! down the page, a box broken across pages where it does not fit (its background drawn per
//! page part), and the page's geometry and colours.

use super::layout::Line;
use krilla::geom::Rect;

/// A4, in points.
pub(super) const PAGE_W: f32 = 595.28;
pub(super) const PAGE_H: f32 = 841.89;
pub(super) const MARGIN: f32 = 48.0;
/// Where the content starts and ends (the header and footer live outside).
pub(super) const TOP: f32 = 84.0;
pub(super) const BOTTOM: f32 = PAGE_H - 62.0;
pub(super) const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// How far a business message (agent, bot) and a note are indented.
pub(super) const INDENT: f32 = 56.0;
pub(super) const PAD: f32 = 6.0;

pub(super) type Rgb = (u8, u8, u8);
pub(super) const INK: Rgb = (31, 35, 40);
pub(super) const GREY: Rgb = (87, 96, 106);
pub(super) const CUSTOMER_BG: Rgb = (242, 244, 247);
pub(super) const AGENT_BG: Rgb = (221, 244, 255);
pub(super) const BOT_BG: Rgb = (255, 248, 197);
pub(super) const NOTE_BG: Rgb = (255, 243, 214);
pub(super) const NOTE_BAR: Rgb = (191, 135, 0);

/// What a page shows, in content coordinates (origin top left, y down).
pub(super) enum Op {
    Rect {
        rect: Rect,
        color: Rgb,
    },
    Text {
        x: f32,
        y: f32,
        size: f32,
        color: Rgb,
        line: Line,
    },
}

/// Sets text (`text`, `size`, `bold`, `color`, `width`) into styled lines.
pub(super) type SetText<'a> = dyn FnMut(&str, f32, bool, Rgb, f32) -> Vec<Styled> + 'a;

/// Where and how a line is drawn: its left end at `x`, its baseline at `y`.
pub(super) struct Pen {
    pub(super) x: f32,
    pub(super) y: f32,
    pub(super) size: f32,
    pub(super) color: Rgb,
}

/// A line of a block, with its look.
pub(super) struct Styled {
    pub(super) line: Line,
    pub(super) size: f32,
    pub(super) color: Rgb,
}

/// A box of lines: a message, a note, the title.
pub(super) struct Block {
    pub(super) lines: Vec<Styled>,
    pub(super) left: f32,
    pub(super) right: f32,
    pub(super) background: Option<Rgb>,
    pub(super) bar: Option<Rgb>,
}

/// The pages of one conversation, being laid out.
pub(super) struct Flow {
    pub(super) pages: Vec<Vec<Op>>,
    pub(super) ops: Vec<Op>,
    pub(super) y: f32,
}

pub(super) fn line_height(size: f32) -> f32 {
    size * 1.42
}

impl Flow {
    pub(super) fn new() -> Self {
        Flow {
            pages: Vec::new(),
            ops: Vec::new(),
            y: TOP,
        }
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = TOP;
    }

    /// Closes the box part that started at op `from`, top `top`: its background under it.
    pub(super) fn close(&mut self, block: &Block, from: usize, top: f32) {
        let x = MARGIN + block.left;
        let w = CONTENT_W - block.left - block.right;
        let h = self.y - top;
        let mut at = from;
        if let Some(color) = block.background
            && let Some(rect) = Rect::from_xywh(x, top, w, h)
        {
            self.ops.insert(at, Op::Rect { rect, color });
            at += 1;
        }
        if let Some(color) = block.bar
            && let Some(rect) = Rect::from_xywh(x, top, 2.5, h)
        {
            self.ops.insert(at, Op::Rect { rect, color });
        }
    }

    /// Places `block`, breaking it across pages where it does not fit.
    pub(super) fn place(&mut self, block: Block) {
        let boxed = block.background.is_some();
        let pad = if boxed { PAD } else { 0.0 };
        // Keep a box's first two lines together with its top.
        let head: f32 = block
            .lines
            .iter()
            .take(2)
            .map(|l| line_height(l.size))
            .sum();
        if self.y + pad + head > BOTTOM && self.y > TOP {
            self.new_page();
        }
        let (mut from, mut top) = (self.ops.len(), self.y);
        self.y += pad;
        let inner = MARGIN + block.left + if boxed { PAD + 2.0 } else { 0.0 };
        let inner_w =
            CONTENT_W - block.left - block.right - if boxed { 2.0 * PAD + 4.0 } else { 0.0 };
        for l in &block.lines {
            let h = line_height(l.size);
            if self.y + h > BOTTOM && self.y > TOP + pad {
                self.y += pad;
                self.close(&block, from, top);
                self.new_page();
                (from, top) = (self.ops.len(), self.y);
                self.y += pad;
            }
            let x = if l.line.rtl {
                inner + (inner_w - l.line.width).max(0.0)
            } else {
                inner
            };
            self.ops.push(Op::Text {
                x,
                y: self.y + l.size * 1.08,
                size: l.size,
                color: l.color,
                line: l.line.clone(),
            });
            self.y += h;
        }
        self.y += pad;
        self.close(&block, from, top);
        self.y += if boxed { 7.0 } else { 4.0 };
    }

    pub(super) fn finish(mut self) -> Vec<Vec<Op>> {
        self.pages.push(self.ops);
        self.pages
    }
}
