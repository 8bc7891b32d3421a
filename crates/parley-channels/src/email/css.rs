//! The inline CSS an email may keep: a strict allow-list applied to each `style` attribute, and
//! the presentational table attributes (`bgcolor`, `width`, `cellpadding`, …).
//!
//! Nothing here tries to understand CSS in general. A `style` value is refused whole when it
//! holds an escape (`\75rl(`) or a comment (`ur/**/l(`); it is split into declarations, and one
//! holding anything but plain ASCII letters, digits, spaces and `#.,%-:'"()` (so no `<`, `@`,
//! `!`, `/`, `*`) is dropped; a declaration is kept only when its property is allowed and its value matches
//! that property's strict grammar (keywords, non-negative lengths with a bounded size, colours
//! as `#hex`, `rgb()`/`rgba()` of numbers or names). Everything else — `url()`, `expression()`,
//! `var()`, `position`, `z-index`, `transform`, `content`, `!important`, negative margins,
//! huge sizes — is dropped. The result is rebuilt from what was checked, never copied through.

/// The `style` attribute as kept: the allowed declarations, re-serialised; `None` when nothing
/// is left (the attribute is then removed).
pub fn clean_style(style: &str) -> Option<String> {
    // Escapes and comments are how keywords get disguised: a style using them is refused whole.
    if style.len() > 4096 || style.contains('\\') || style.contains("/*") || style.contains("*/") {
        return None;
    }
    let mut kept: Vec<String> = Vec::new();
    for decl in style.split(';') {
        if !decl.chars().all(allowed_char) {
            continue;
        }
        let Some((prop, value)) = decl.split_once(':') else {
            continue;
        };
        let prop = prop.trim().to_ascii_lowercase();
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if let Some((prop, value)) = declaration(&prop, value) {
            kept.push(format!("{prop}: {value}"));
        }
    }
    (!kept.is_empty()).then(|| kept.join("; "))
}

/// A presentational attribute's value as kept (`None`: removed).
pub fn clean_presentational(attribute: &str, value: &str) -> Option<String> {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    let ok = match attribute {
        "align" => matches!(lower.as_str(), "left" | "right" | "center" | "justify"),
        "valign" => matches!(lower.as_str(), "top" | "middle" | "bottom" | "baseline"),
        "bgcolor" => is_color(&lower),
        "width" | "height" => {
            let n = lower.strip_suffix('%').unwrap_or(&lower);
            number(n).is_some_and(|x| x <= if lower.ends_with('%') { 100.0 } else { 2000.0 })
        }
        "border" | "cellpadding" | "cellspacing" => number(&lower).is_some_and(|x| x <= 50.0),
        _ => false,
    };
    ok.then_some(lower)
}

/// Whether [`clean_presentational`] judges this attribute (on any element).
pub fn is_presentational(attribute: &str) -> bool {
    matches!(
        attribute,
        "align"
            | "valign"
            | "bgcolor"
            | "width"
            | "height"
            | "border"
            | "cellpadding"
            | "cellspacing"
    )
}

/// The attributes [`clean_presentational`] judges, by element (added to ammonia's defaults).
pub const PRESENTATIONAL: &[(&str, &[&str])] = &[
    (
        "table",
        &[
            "align",
            "bgcolor",
            "width",
            "height",
            "cellpadding",
            "cellspacing",
            "border",
        ],
    ),
    ("tr", &["align", "valign", "bgcolor", "height"]),
    ("td", &["align", "valign", "bgcolor", "width", "height"]),
    ("th", &["align", "valign", "bgcolor", "width", "height"]),
    ("tbody", &["align", "valign"]),
    ("thead", &["align", "valign"]),
    ("tfoot", &["align", "valign"]),
    ("img", &["border"]),
    ("p", &["align"]),
    ("div", &["align"]),
    ("h1", &["align"]),
    ("h2", &["align"]),
    ("h3", &["align"]),
];

fn allowed_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            ' ' | '\t'
                | '\n'
                | '\r'
                | '#'
                | '.'
                | ','
                | '%'
                | '-'
                | ':'
                | ';'
                | '\''
                | '"'
                | '('
                | ')'
        )
}

/// One declaration, checked: the property and value to write, or `None` to drop it.
fn declaration<'a>(prop: &'a str, value: &'a str) -> Option<(&'a str, String)> {
    let lower = value.to_ascii_lowercase();
    let v = lower.as_str();
    let keep = |ok: bool| ok.then(|| (prop, collapse(v)));
    match prop {
        "color"
        | "background-color"
        | "border-color"
        | "border-top-color"
        | "border-right-color"
        | "border-bottom-color"
        | "border-left-color" => keep(is_color(v)),
        // The shorthand only as a plain colour (an image or gradient in it is dropped).
        "background" => is_color(v).then(|| ("background-color", collapse(v))),
        "font-family" => font_family(value).map(|f| (prop, f)),
        "font-size" => keep(
            one_of(
                v,
                &[
                    "xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large",
                    "smaller", "larger",
                ],
            ) || length(v, FONT_LIMITS),
        ),
        "font-weight" => keep(
            one_of(v, &["normal", "bold", "bolder", "lighter"])
                || (v.len() == 3
                    && v.ends_with("00")
                    && ('1'..='9').contains(&char::from(v.as_bytes()[0]))),
        ),
        "font-style" => keep(one_of(v, &["normal", "italic", "oblique"])),
        "text-align" => keep(one_of(
            v,
            &["left", "right", "center", "justify", "start", "end"],
        )),
        "text-decoration" | "text-decoration-line" => keep(words(v, 3, |w| {
            one_of(w, &["none", "underline", "overline", "line-through"])
        })),
        "line-height" => {
            keep(v == "normal" || number(v).is_some_and(|n| n <= 10.0) || length(v, BOX_LIMITS))
        }
        "margin" | "padding" => keep(words(v, 4, |w| box_length(w, prop == "margin"))),
        "margin-top" | "margin-right" | "margin-bottom" | "margin-left" => {
            keep(box_length(v, true))
        }
        "padding-top" | "padding-right" | "padding-bottom" | "padding-left" => {
            keep(box_length(v, false))
        }
        "border" | "border-top" | "border-right" | "border-bottom" | "border-left" => keep(
            words(v, 3, |w| {
                border_style(w) || length(w, BORDER_LIMITS) || is_border_width_keyword(w)
            }) || is_color_tail(v),
        ),
        "border-width" => keep(words(v, 4, |w| {
            length(w, BORDER_LIMITS) || is_border_width_keyword(w)
        })),
        "border-style" => keep(words(v, 4, border_style)),
        "border-collapse" => keep(one_of(v, &["collapse", "separate"])),
        "border-spacing" => keep(words(v, 2, |w| length(w, BORDER_LIMITS))),
        "border-radius" => keep(words(v, 4, |w| length(w, BORDER_LIMITS))),
        "width" | "max-width" | "min-width" | "height" | "max-height" | "min-height" => {
            keep(v == "auto" || length(v, BOX_LIMITS))
        }
        "vertical-align" => keep(one_of(
            v,
            &[
                "top",
                "middle",
                "bottom",
                "baseline",
                "text-top",
                "text-bottom",
                "sub",
                "super",
            ],
        )),
        "white-space" => keep(one_of(
            v,
            &["normal", "nowrap", "pre", "pre-wrap", "pre-line"],
        )),
        "display" => keep(one_of(
            v,
            &[
                "block",
                "inline",
                "inline-block",
                "none",
                "table",
                "table-row",
                "table-cell",
                "table-row-group",
                "table-header-group",
                "table-footer-group",
                "table-column",
                "table-column-group",
                "table-caption",
            ],
        )),
        _ => None,
    }
}

/// Upper bounds of a length by unit: (px, pt, em/rem, %).
type Limits = (f64, f64, f64, f64);
const FONT_LIMITS: Limits = (96.0, 72.0, 6.0, 600.0);
const BOX_LIMITS: Limits = (2000.0, 1500.0, 100.0, 100.0);
const BORDER_LIMITS: Limits = (50.0, 40.0, 3.0, 50.0);
const MARGIN_LIMITS: Limits = (400.0, 300.0, 20.0, 50.0);

/// A non-negative length within `limits`: `0`, or a number with px, pt, em, rem or %.
fn length(v: &str, (px, pt, em, pct): Limits) -> bool {
    if v == "0" {
        return true;
    }
    let units: [(&str, f64); 5] = [("px", px), ("pt", pt), ("rem", em), ("em", em), ("%", pct)];
    units.iter().any(|(unit, max)| {
        v.strip_suffix(unit)
            .and_then(number)
            .is_some_and(|n| n <= *max)
    })
}

fn box_length(v: &str, margin: bool) -> bool {
    (margin && v == "auto") || length(v, MARGIN_LIMITS)
}

/// A plain non-negative decimal: digits with at most one dot, nothing else.
fn number(v: &str) -> Option<f64> {
    let ok = !v.is_empty()
        && v.len() <= 8
        && v.chars().all(|c| c.is_ascii_digit() || c == '.')
        && v.chars().filter(|&c| c == '.').count() <= 1
        && v.chars().any(|c| c.is_ascii_digit());
    if ok { v.parse().ok() } else { None }
}

fn one_of(v: &str, options: &[&str]) -> bool {
    options.contains(&v)
}

/// Up to `max` space-separated words, each accepted by `ok`.
fn words(v: &str, max: usize, ok: impl Fn(&str) -> bool) -> bool {
    let parts: Vec<&str> = v.split_whitespace().collect();
    !parts.is_empty() && parts.len() <= max && parts.iter().all(|w| ok(w))
}

fn border_style(w: &str) -> bool {
    one_of(
        w,
        &[
            "none", "hidden", "solid", "dashed", "dotted", "double", "groove", "ridge", "inset",
            "outset",
        ],
    )
}

fn is_border_width_keyword(w: &str) -> bool {
    one_of(w, &["thin", "medium", "thick"])
}

/// `border: 1px solid rgb(1, 2, 3)`: width and style words, then one colour (which may hold
/// spaces inside its parentheses).
fn is_color_tail(v: &str) -> bool {
    let Some(open) = v.find(['#', '(']) else {
        // Named colours are single words: take the last word as the colour.
        let mut parts: Vec<&str> = v.split_whitespace().collect();
        let Some(last) = parts.pop() else {
            return false;
        };
        return parts.len() <= 2
            && is_color(last)
            && parts.iter().all(|w| {
                border_style(w) || length(w, BORDER_LIMITS) || is_border_width_keyword(w)
            });
    };
    // The colour starts at the word holding `#` or `rgb(`.
    let start = v[..open].rfind(' ').map_or(0, |i| i + 1);
    let (head, color) = v.split_at(start);
    is_color(color.trim())
        && words_or_empty(head, 2, |w| {
            border_style(w) || length(w, BORDER_LIMITS) || is_border_width_keyword(w)
        })
}

fn words_or_empty(v: &str, max: usize, ok: impl Fn(&str) -> bool) -> bool {
    v.trim().is_empty() || words(v, max, ok)
}

/// `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()` of 3–4 numbers or percentages,
/// `transparent`, or a named colour.
fn is_color(v: &str) -> bool {
    if let Some(hex) = v.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.chars().all(|c| c.is_ascii_hexdigit());
    }
    let args = v
        .strip_prefix("rgba(")
        .or_else(|| v.strip_prefix("rgb("))
        .and_then(|r| r.strip_suffix(')'));
    if let Some(args) = args {
        let parts: Vec<&str> = args
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        return (3..=4).contains(&parts.len())
            && parts
                .iter()
                .all(|p| number(p.strip_suffix('%').unwrap_or(p)).is_some_and(|n| n <= 255.0));
    }
    NAMED_COLORS.contains(&v)
}

const NAMED_COLORS: &[&str] = &[
    "transparent",
    "black",
    "white",
    "gray",
    "grey",
    "silver",
    "red",
    "maroon",
    "orange",
    "yellow",
    "olive",
    "lime",
    "green",
    "teal",
    "aqua",
    "cyan",
    "blue",
    "navy",
    "fuchsia",
    "magenta",
    "purple",
    "brown",
    "pink",
    "gold",
    "darkgray",
    "darkgrey",
    "lightgray",
    "lightgrey",
    "darkblue",
    "darkgreen",
    "darkred",
    "lightblue",
    "lightgreen",
    "whitesmoke",
    "gainsboro",
    "dimgray",
    "dimgrey",
    "slategray",
    "slategrey",
    "steelblue",
    "royalblue",
    "dodgerblue",
    "crimson",
    "firebrick",
    "orangered",
    "tomato",
    "coral",
    "salmon",
    "beige",
    "ivory",
    "linen",
    "snow",
    "inherit",
    "currentcolor",
];

/// A font list: family names, bare (letters, digits, hyphens and spaces) or quoted (the same
/// characters), separated by commas. Re-serialised with double quotes.
fn font_family(value: &str) -> Option<String> {
    let mut out = Vec::new();
    for name in value.split(',') {
        let name = name.trim();
        let unquoted = match name.as_bytes() {
            [q @ (b'"' | b'\''), .., last] if last == q && name.len() >= 2 => {
                &name[1..name.len() - 1]
            }
            _ => name,
        };
        let plain = !unquoted.trim().is_empty()
            && unquoted.len() <= 64
            && unquoted
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ');
        if !plain {
            return None;
        }
        let unquoted = collapse(unquoted.trim());
        if unquoted.contains(' ') {
            out.push(format!("\"{unquoted}\""));
        } else {
            out.push(unquoted);
        }
    }
    (!out.is_empty() && out.len() <= 10).then(|| out.join(", "))
}

/// Runs of whitespace as one space.
fn collapse(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_styles_of_real_mail() {
        assert_eq!(
            clean_style("color: #1A73E8; font-weight: bold").as_deref(),
            Some("color: #1a73e8; font-weight: bold")
        );
        assert_eq!(
            clean_style(
                "font-family: 'Helvetica Neue', Arial, sans-serif; font-size:14px; line-height:1.5"
            )
            .as_deref(),
            Some(
                "font-family: \"Helvetica Neue\", Arial, sans-serif; font-size: 14px; line-height: 1.5"
            )
        );
        assert_eq!(
            clean_style("background: #f4f4f4; padding: 10px 20px; margin: 0 auto; width: 100%; max-width: 600px")
                .as_deref(),
            Some("background-color: #f4f4f4; padding: 10px 20px; margin: 0 auto; width: 100%; max-width: 600px")
        );
        assert_eq!(
            clean_style("border: 1px solid rgb(200, 200, 200); border-collapse: collapse")
                .as_deref(),
            Some("border: 1px solid rgb(200, 200, 200); border-collapse: collapse")
        );
        assert_eq!(
            clean_style("border-bottom: 2px dashed red; text-align: center; display: table-cell")
                .as_deref(),
            Some("border-bottom: 2px dashed red; text-align: center; display: table-cell")
        );
        assert_eq!(
            clean_style(
                "display:none; vertical-align: top; white-space: nowrap; color: rgba(0,0,0,0.5)"
            )
            .as_deref(),
            Some("display: none; vertical-align: top; white-space: nowrap; color: rgba(0,0,0,0.5)")
        );
        assert_eq!(
            clean_style("font-weight: 700; text-decoration: underline; font-style: italic")
                .as_deref(),
            Some("font-weight: 700; text-decoration: underline; font-style: italic")
        );
    }

    #[test]
    fn drops_hostile_css() {
        // Anything that fetches or runs: the whole attribute or the declaration goes.
        for hostile in [
            "background: url(javascript:alert(1))",
            "background-image: url(https://tracker.test/p.gif)",
            "width: expression(alert(1))",
            "color: var(--x)",
            "behavior: url(x.htc)",
            "-moz-binding: url(x.xml#y)",
            "color: red !important",
            "font-family: a; background: u\\72l(x)",
            "background: \\75rl(https://tracker.test/)",
            "background: ur/**/l(https://tracker.test/)",
            "color: exp/**/ression(alert(1))",
            "color: red; @import 'x'",
            "content: 'x'",
            "position: fixed; top: 0; left: 0; width: 100%; height: 100%; z-index: 9999",
            "transform: scale(100)",
            "margin: -500px",
            "margin-top: -10px",
            "width: 99999999px",
            "font-size: 5000px",
            "height: 1e9px",
            "font-family: \"x</style><script>\"",
            "color: \u{ff52}ed",
            "border: 1px solid url(x)",
            "color: rgb(1, 2, url(x))",
        ] {
            let kept = clean_style(hostile);
            let text = kept.clone().unwrap_or_default();
            for bad in [
                "url",
                "expression",
                "var(",
                "!",
                "position",
                "z-index",
                "transform",
                "content",
                "@",
                "\\",
                "/*",
                "-500",
                "-10",
                "99999999",
                "5000",
                "1e9",
                "<",
                "binding",
                "behavior",
            ] {
                assert!(!text.contains(bad), "{hostile:?} kept {kept:?}");
            }
        }
        // The safe parts of a mixed declaration list survive.
        assert_eq!(
            clean_style("position: absolute; color: red; z-index: 5").as_deref(),
            Some("color: red")
        );
        assert_eq!(
            clean_style("width: 100%; height: 2000000px").as_deref(),
            Some("width: 100%")
        );
        assert_eq!(clean_style(""), None);
        assert_eq!(clean_style(";;:;"), None);
        assert_eq!(clean_style(&"color: red;".repeat(1000)), None, "too long");
    }

    #[test]
    fn presentational_attributes_are_matched_strictly() {
        assert_eq!(
            clean_presentational("bgcolor", "#FFFFFF").as_deref(),
            Some("#ffffff")
        );
        assert_eq!(clean_presentational("width", "600").as_deref(), Some("600"));
        assert_eq!(
            clean_presentational("width", "100%").as_deref(),
            Some("100%")
        );
        assert_eq!(
            clean_presentational("valign", "top").as_deref(),
            Some("top")
        );
        assert_eq!(
            clean_presentational("cellpadding", "0").as_deref(),
            Some("0")
        );
        assert_eq!(clean_presentational("bgcolor", "url(x)"), None);
        assert_eq!(clean_presentational("width", "99999"), None);
        assert_eq!(clean_presentational("width", "-5"), None);
        assert_eq!(clean_presentational("border", "1000"), None);
        assert_eq!(clean_presentational("align", "javascript:x"), None);
        assert_eq!(clean_presentational("onclick", "x"), None);
    }
}
