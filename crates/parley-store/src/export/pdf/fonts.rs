//! The PDF's fonts: found on the machine at run time (never downloaded, none shipped), one
//! chosen per character.
//!
//! The system's fonts are listed once per process ([`fontdb`], which reads fontconfig's folders
//! on Linux and the usual font folders on Windows and macOS). A character is drawn with the
//! first face of a fixed chain that has a glyph for it: the sans families for Latin, Cyrillic
//! and Greek (Noto Sans, DejaVu Sans, Liberation Sans; Segoe UI/Arial; Helvetica), then the
//! script families (Noto's Arabic, Hebrew, Devanagari, CJK…, and their Windows and macOS
//! counterparts); an emoji tries the colour emoji fonts first (Noto Color Emoji, Segoe UI Emoji,
//! Apple Color Emoji). When none has it, every other face on the machine is asked once; a
//! character no face has gets a visible placeholder (`layout.rs`), never a failed export.
//!
//! A face's file is read into memory the first time one of its characters is drawn, and only
//! then (the CJK collection alone is 19 MB).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// The families tried for every character, in order.
const TEXT_FAMILIES: &[&str] = &[
    "Noto Sans",
    "DejaVu Sans",
    "Liberation Sans",
    "Segoe UI",
    "Arial",
    "Helvetica Neue",
    "Helvetica",
    // Scripts the sans families lack.
    "Noto Sans Arabic",
    "Noto Naskh Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Bengali",
    "Noto Sans Tamil",
    "Noto Sans Thai",
    "Noto Sans Armenian",
    "Noto Sans Georgian",
    "Noto Sans Ethiopic",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans CJK TC",
    "Noto Sans Symbols",
    "Noto Sans Symbols 2",
    "Noto Sans Math",
    // Windows.
    "Nirmala UI",
    "Microsoft YaHei",
    "Yu Gothic",
    "Malgun Gothic",
    "Segoe UI Symbol",
    "Segoe UI Historic",
    // macOS.
    "Geeza Pro",
    "Kohinoor Devanagari",
    "PingFang SC",
    "Hiragino Sans",
    "Apple SD Gothic Neo",
    "Arial Unicode MS",
];

/// The colour emoji families, tried first for an emoji.
const EMOJI_FAMILIES: &[&str] = &[
    "Noto Color Emoji",
    "Segoe UI Emoji",
    "Apple Color Emoji",
    "Twemoji Mozilla",
    "Noto Emoji",
];

/// The system's fonts, listed once per process.
fn system() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        Arc::new(db)
    })
    .clone()
}

/// Whether `c` is usually drawn as an emoji (pictographs, dingbats, flags, skin tones).
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B50 | 0x2B55 | 0x2B1B | 0x2B1C | 0x231A | 0x231B
        | 0x23E9..=0x23F3 | 0x23F8..=0x23FA | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

/// Whether `c` joins the character before it instead of choosing a font of its own: joiners,
/// variation selectors, bidi controls, emoji tags and keycaps, combining marks.
pub fn joins_previous(c: char) -> bool {
    matches!(c as u32,
        0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0xFE00..=0xFE0F | 0xFEFF
        | 0xE0000..=0xE01EF | 0x20E3 | 0x00AD | 0x0300..=0x036F | 0x1AB0..=0x1AFF
        | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

/// A face's shaper, borrowing the font's data (kept together by [`yoke::Yoke`]).
#[derive(yoke::Yokeable)]
pub struct Shaper<'a>(pub rustybuzz::Face<'a>);

/// One face in use: its data, for shaping and for the PDF.
pub struct Face {
    pub krilla: krilla::text::Font,
    pub units_per_em: f32,
    pub emoji: bool,
    /// Made once: building a shaper reads the face's whole substitution and positioning tables.
    shaper: yoke::Yoke<Shaper<'static>, Arc<Vec<u8>>>,
}

impl Face {
    /// The face for shaping.
    pub fn shaper(&self) -> &rustybuzz::Face<'_> {
        &self.shaper.get().0
    }

    fn covers(&self, c: char) -> bool {
        self.shaper().glyph_index(c).is_some()
    }
}

/// The faces of one export and the choice of a face per character.
pub struct Fonts {
    db: Arc<fontdb::Database>,
    /// The chain, as faces of the database (families missing on this machine left out).
    text_chain: Vec<fontdb::ID>,
    emoji_chain: Vec<fontdb::ID>,
    bold: Option<fontdb::ID>,
    /// Faces read so far, by database id; `faces[i]` is face number `i`.
    loaded: HashMap<fontdb::ID, Option<usize>>,
    faces: Vec<Face>,
    /// The face chosen for a character (`None`: no face on the machine has it).
    chosen: HashMap<(char, bool), Option<usize>>,
    /// Whether face `i` has a glyph for a character, as asked so far.
    coverage: HashMap<(usize, char), bool>,
}

impl Fonts {
    /// The machine's fonts.
    pub fn system() -> Self {
        let db = system();
        let find = |families: &[&str], weight| -> Vec<fontdb::ID> {
            families
                .iter()
                .filter_map(|name| {
                    let id = db.query(&fontdb::Query {
                        families: &[fontdb::Family::Name(name)],
                        weight,
                        ..Default::default()
                    })?;
                    // `query` answers the nearest style of the family, never another family.
                    Some(id)
                })
                .collect()
        };
        let text_chain = find(TEXT_FAMILIES, fontdb::Weight::NORMAL);
        let emoji_chain = find(EMOJI_FAMILIES, fontdb::Weight::NORMAL);
        let bold = find(&TEXT_FAMILIES[..7], fontdb::Weight::BOLD)
            .into_iter()
            .next();
        Fonts {
            db,
            text_chain,
            emoji_chain,
            bold,
            loaded: HashMap::new(),
            faces: Vec::new(),
            chosen: HashMap::new(),
            coverage: HashMap::new(),
        }
    }

    /// Whether the machine has any font at all for text.
    pub fn primary(&mut self) -> Option<usize> {
        let ids = self.text_chain.clone();
        ids.into_iter().find_map(|id| self.load(id))
    }

    pub fn face(&self, i: usize) -> &Face {
        &self.faces[i]
    }

    /// Whether face `i` has a glyph for `c`.
    fn covers(&mut self, i: usize, c: char) -> bool {
        let faces = &self.faces;
        *self
            .coverage
            .entry((i, c))
            .or_insert_with(|| faces[i].covers(c))
    }

    /// Face number of the database face `id`, read on first use.
    fn load(&mut self, id: fontdb::ID) -> Option<usize> {
        if let Some(&i) = self.loaded.get(&id) {
            return i;
        }
        let loaded = (|| {
            let (source, index) = self.db.face_source(id)?;
            let data = match source {
                fontdb::Source::File(path) => std::fs::read(path).ok()?,
                fontdb::Source::Binary(b) | fontdb::Source::SharedFile(_, b) => {
                    (*b).as_ref().to_vec()
                }
            };
            let data = Arc::new(data);
            let shaper = yoke::Yoke::<Shaper<'static>, _>::try_attach_to_cart(
                data.clone(),
                |d: &Vec<u8>| rustybuzz::Face::from_slice(d, index).map(Shaper).ok_or(()),
            )
            .ok()?;
            let face = &shaper.get().0;
            let units_per_em = face.units_per_em() as f32;
            let tables = face.tables();
            let emoji = tables.cbdt.is_some() || tables.sbix.is_some() || tables.colr.is_some();
            let krilla = krilla::text::Font::new(krilla::Data::from(data.clone()), index)?;
            self.faces.push(Face {
                krilla,
                units_per_em,
                emoji,
                shaper,
            });
            Some(self.faces.len() - 1)
        })();
        self.loaded.insert(id, loaded);
        loaded
    }

    /// The face for `c`: `prev` (the face of the character before) when it has the character
    /// and is of the same kind, else the first of the chain that has it, else any face on the
    /// machine that has it; `None` when no face has it.
    pub fn pick(&mut self, c: char, emoji: bool, bold: bool, prev: Option<usize>) -> Option<usize> {
        if let Some(p) = prev {
            let same_kind = self.faces[p].emoji == emoji || !emoji && c.is_ascii_whitespace();
            if same_kind && self.covers(p, c) {
                return Some(p);
            }
        }
        if let Some(&hit) = self.chosen.get(&(c, bold)) {
            return hit;
        }
        let mut chain: Vec<fontdb::ID> = Vec::new();
        if bold {
            chain.extend(self.bold);
        }
        if emoji {
            chain.extend(&self.emoji_chain);
        }
        chain.extend(&self.text_chain);
        let mut hit = None;
        for id in chain {
            if let Some(i) = self.load(id)
                && self.covers(i, c)
            {
                hit = Some(i);
                break;
            }
        }
        if hit.is_none() {
            // Any other face on the machine, asked without reading its whole file.
            let other = self.db.faces().map(|f| f.id).find(|&id| {
                !self.loaded.contains_key(&id)
                    && self
                        .db
                        .with_face_data(id, |data, index| {
                            rustybuzz::Face::from_slice(data, index)
                                .is_some_and(|f| f.glyph_index(c).is_some())
                        })
                        .unwrap_or(false)
            });
            hit = other.and_then(|id| self.load(id));
        }
        self.chosen.insert((c, bold), hit);
        hit
    }
}
