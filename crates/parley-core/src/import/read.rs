//! Reading the file: its encoding (a byte-order mark, valid UTF-8, else `chardetng`'s guess, or
//! the agent's choice), its separator, its rows with the line each starts on, and what is wrong
//! with a row. The `csv` crate does the parsing (quotes, doubled quotes, line breaks inside
//! quotes, CRLF); nothing here splits on commas by hand.

use encoding_rs::{Encoding, UTF_8};

/// The largest file read (a 100 000-customer export with many columns is ~30 MB).
pub const FILE_MAX_BYTES: usize = 64 * 1024 * 1024;
/// The most rows one import takes.
pub const ROWS_MAX: usize = 200_000;
/// A cell longer than this (in characters) makes its row broken (an attribute holds 2 000).
pub const CELL_MAX_CHARS: usize = 2_000;
/// The most columns a file may have.
pub const COLUMNS_MAX: usize = 200;
/// How much of a file the encoding detector reads.
const DETECT_BYTES: usize = 4 * 1024 * 1024;
/// Separators tried, in order of preference when they tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];
/// Rows read to choose the separator.
const DELIMITER_SAMPLE: usize = 50;

/// Encodings the wizard offers (WHATWG names; "ISO-8859-1"/Latin-1 is windows-1252 there).
pub const ENCODING_CHOICES: &[&str] = &[
    "UTF-8",
    "windows-1252",
    "ISO-8859-15",
    "windows-1250",
    "ISO-8859-2",
    "windows-1251",
    "KOI8-R",
    "IBM866",
    "windows-1253",
    "windows-1254",
    "windows-1255",
    "windows-1256",
    "windows-1257",
    "windows-1258",
    "macintosh",
    "UTF-16LE",
    "UTF-16BE",
    "Shift_JIS",
    "EUC-JP",
    "EUC-KR",
    "GBK",
    "gb18030",
    "Big5",
];

/// The file in text.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    /// A byte-order mark or valid UTF-8 said so; otherwise a guess the agent should check.
    pub certain: bool,
    /// Some bytes were not valid in the encoding (shown as U+FFFD; their rows are broken).
    pub malformed: bool,
}

/// Whether `bytes` are UTF-8 with a few bad bytes (a file edited by several programs), rather
/// than another encoding: far more valid multi-byte characters than invalid bytes.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                good += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let valid = &rest[..e.valid_up_to()];
                good += std::str::from_utf8(valid)
                    .map(|s| s.chars().filter(|c| !c.is_ascii()).count())
                    .unwrap_or(0);
                bad += 1;
                let skip = e.error_len().unwrap_or(rest.len() - e.valid_up_to());
                rest = &rest[e.valid_up_to() + skip.max(1)..];
            }
        }
    }
    good > 0 && good >= 4 * bad
}

/// The file's encoding and whether that is certain.
pub fn detect(bytes: &[u8]) -> (&'static Encoding, bool) {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return (encoding, true);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return (UTF_8, true);
    }
    if mostly_utf8(bytes) {
        return (UTF_8, false);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(&bytes[..bytes.len().min(DETECT_BYTES)], true);
    (detector.guess(None, chardetng::Utf8Detection::Allow), false)
}

/// The encoding a name stands for (any WHATWG label: "latin1", "utf8", "cp1251", …).
pub fn encoding_named(name: &str) -> Option<&'static Encoding> {
    Encoding::for_label(name.trim().as_bytes())
}

/// `bytes` as text in `encoding` (its byte-order mark, if it has one, dropped).
pub fn decode(bytes: &[u8], encoding: &'static Encoding, certain: bool) -> Decoded {
    let (bytes, encoding) = match Encoding::for_bom(bytes) {
        Some((bom_encoding, len)) if bom_encoding == encoding => (&bytes[len..], encoding),
        _ => (bytes, encoding),
    };
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Decoded {
            text: text.into_owned(),
            encoding,
            certain,
            malformed: false,
        },
        None => {
            let (text, _) = encoding.decode_without_bom_handling(bytes);
            Decoded {
                text: text.into_owned(),
                encoding,
                certain,
                malformed: true,
            }
        }
    }
}

/// One row of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The file's line (from 1) where the row starts.
    pub line: u32,
    pub cells: Vec<String>,
    /// Why the row cannot be imported as it is.
    pub problem: Option<String>,
}

/// The file as a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub delimiter: u8,
    pub headers: Vec<String>,
    /// Every row after the header.
    pub rows: Vec<Row>,
}

fn reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
}

/// The separator whose first rows most often have the same number (more than one) of cells.
pub fn detect_delimiter(text: &str) -> u8 {
    let mut best = (0usize, 0usize, b',');
    for d in DELIMITERS {
        let mut counts: Vec<usize> = Vec::new();
        let mut record = csv::ByteRecord::new();
        let mut r = reader(text, d);
        while counts.len() < DELIMITER_SAMPLE {
            match r.read_byte_record(&mut record) {
                Ok(true) => counts.push(record.len()),
                _ => break,
            }
        }
        let mut modal = (0usize, 0usize);
        for &c in &counts {
            let n = counts.iter().filter(|&&x| x == c).count();
            if n > modal.0 || (n == modal.0 && c > modal.1) {
                modal = (n, c);
            }
        }
        let (rows, width) = modal;
        if width > 1 && (rows, width) > (best.0, best.1) {
            best = (rows, width, d);
        }
    }
    best.2
}

/// Shown for a separator.
pub fn delimiter_name(d: u8) -> String {
    (d as char).to_string()
}

/// The rows of `decoded`, the first being the header. Fails only when the file is empty or too
/// big; a broken row is a row with a `problem`.
pub fn table(decoded: &Decoded) -> Result<Table, String> {
    let text = decoded.text.as_str();
    let delimiter = detect_delimiter(text);
    let mut r = reader(text, delimiter);
    let mut record = csv::ByteRecord::new();
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut lines = LineCounter::new(text.as_bytes());
    loop {
        match r.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(format!("the file could not be read as CSV ({e})")),
        }
        // The csv crate's own line numbers miss blank lines and line breaks in quotes; its byte
        // offset of the record is exact, so the lines are counted here.
        let line = lines.at(record.position().map_or(0, |p| p.byte() as usize));
        // The text is UTF-8 (decoded above), so every cell is too.
        let cells: Vec<String> = record
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let Some(headers) = &headers else {
            if cells.len() > COLUMNS_MAX {
                return Err(format!(
                    "the file has {} columns; Parley reads at most {COLUMNS_MAX}",
                    cells.len()
                ));
            }
            headers = Some(
                cells
                    .iter()
                    .enumerate()
                    .map(|(i, h)| {
                        let h: String = h.chars().filter(|c| !c.is_control()).collect();
                        let h = parley_domain::text::without_bidi_controls(h.trim()).into_owned();
                        if h.is_empty() {
                            format!("Column {}", i + 1)
                        } else {
                            h.chars().take(CELL_MAX_CHARS).collect()
                        }
                    })
                    .collect(),
            );
            continue;
        };
        if rows.len() == ROWS_MAX {
            return Err(format!(
                "the file has more than {ROWS_MAX} rows; split it into smaller files"
            ));
        }
        let problem = problem(&cells, headers, decoded);
        rows.push(Row {
            line,
            cells,
            problem,
        });
    }
    let headers = headers.ok_or_else(|| "the file is empty".to_string())?;
    Ok(Table {
        delimiter,
        headers,
        rows,
    })
}

/// Line numbers of byte offsets, read forward once (offsets only grow). A line ends at `\n`,
/// `\r\n` or a lone `\r`, as the csv reader reads them; blank lines before a record are not
/// the record's.
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: u32,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        Self {
            text,
            at: 0,
            line: 1,
        }
    }

    fn at(&mut self, offset: usize) -> u32 {
        let mut offset = offset.min(self.text.len());
        while offset < self.text.len() && matches!(self.text[offset], b'\r' | b'\n') {
            offset += 1;
        }
        while self.at < offset {
            match self.text[self.at] {
                b'\n' => self.line += 1,
                b'\r' if self.text.get(self.at + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
            self.at += 1;
        }
        self.line
    }
}

fn problem(cells: &[String], headers: &[String], decoded: &Decoded) -> Option<String> {
    if cells.iter().all(|c| c.trim().is_empty()) {
        return None;
    }
    if cells.len() != headers.len() {
        return Some(format!(
            "has {} columns where the header has {} (a missing or extra separator, or an unclosed quote)",
            cells.len(),
            headers.len()
        ));
    }
    if let Some(i) = cells
        .iter()
        .position(|c| c.chars().count() > CELL_MAX_CHARS)
    {
        return Some(format!(
            "its \"{}\" is longer than {CELL_MAX_CHARS} characters",
            headers[i]
        ));
    }
    if decoded.malformed && cells.iter().any(|c| c.contains('\u{FFFD}')) {
        return Some(format!(
            "has bytes that are not valid {} (choose another encoding, or fix the row)",
            decoded.encoding.name()
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(text: &str) -> Table {
        table(&decode(text.as_bytes(), UTF_8, true)).expect("table")
    }

    #[test]
    fn lines_count_quoted_line_breaks() {
        let t = rows_of(
            "name,note\r\nAna,\"two\r\nlines\"\r\nBen,x\r\n\r\nCy,\"a \"\"quote\"\", and, commas\"\n",
        );
        assert_eq!(t.headers, ["name", "note"]);
        let lines: Vec<u32> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4, 6]);
        assert_eq!(t.rows[0].cells[1], "two\r\nlines");
        assert_eq!(t.rows[2].cells[1], "a \"quote\", and, commas");
    }

    #[test]
    fn the_separator_is_the_one_that_makes_columns() {
        assert_eq!(detect_delimiter("a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(detect_delimiter("a,b\n1,2\n"), b',');
        assert_eq!(detect_delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
        assert_eq!(detect_delimiter("name\nAna\n"), b',');
    }

    #[test]
    fn encodings_bom_utf8_and_legacy() {
        let bom = b"\xEF\xBB\xBFname\nJos\xC3\xA9\n";
        let (e, certain) = detect(bom);
        assert_eq!((e, certain), (UTF_8, true));
        let d = decode(bom, e, certain);
        assert_eq!(d.text, "name\nJos\u{e9}\n");
        let latin = b"name;city\nJos\xE9 Mu\xF1oz;M\xE1laga\nFran\xE7ois;Orl\xE9ans\n";
        let (e, certain) = detect(latin);
        assert_eq!((e.name(), certain), ("windows-1252", false));
        assert!(decode(latin, e, false).text.contains("José Muñoz;Málaga"));
        // UTF-8 with one stray byte stays UTF-8; the row with it is broken.
        let mixed = "name\nJosé\nZoë\nRenée\nMüller\nBjörk\n"
            .as_bytes()
            .to_vec();
        let mut mixed = mixed;
        mixed.extend_from_slice(b"Bad\xFFRow\n");
        let (e, certain) = detect(&mixed);
        assert_eq!((e, certain), (UTF_8, false));
        let t = table(&decode(&mixed, e, certain)).expect("table");
        assert!(t.rows[..5].iter().all(|r| r.problem.is_none()));
        assert_eq!(t.rows[5].line, 7);
        assert!(
            t.rows[5]
                .problem
                .as_deref()
                .is_some_and(|p| p.contains("not valid UTF-8"))
        );
    }
}
