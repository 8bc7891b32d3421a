//! What the fuzz targets share: the check that sanitised email HTML is safe, made on the
//! document a browser's parser builds from it (html5ever, the parser ammonia itself uses), so
//! markup that only turns dangerous once re-parsed (mutation XSS) is caught too.
//!
//! Safe means: every element is HTML (no SVG/MathML, where parsing rules differ) and none of
//! [`FORBIDDEN_ELEMENTS`]; no attribute is an event handler (`on…`) or one of
//! [`FORBIDDEN_ATTRIBUTES`]; every URL attribute has a scheme of [`ALLOWED_SCHEMES`] as a browser
//! reads it (leading controls and spaces trimmed, tabs and line breaks inside ignored; relative
//! URLs are refused, so a URL without a scheme fails too); an image's source is a `cid:` part or
//! a `parley-remote:N` placeholder; and a `style` attribute holds no `url(`, `expression(`,
//! `image-set(`, `@import`, escape or comment.

use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::{Attribute, QualName, ns, parse_document};
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

/// Elements that run script, load or embed content, submit, or change how the rest is read.
pub const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "meta",
    "link",
    "form",
    "input",
    "button",
    "textarea",
    "select",
    "option",
    "noscript",
    "noembed",
    "noframes",
    "template",
    "xmp",
    "plaintext",
    "svg",
    "math",
    "portal",
    "video",
    "audio",
    "source",
    "track",
    "param",
    "image",
    "isindex",
    "marquee",
    "dialog",
];

/// Attributes that load something, run something, or reach outside the message.
pub const FORBIDDEN_ATTRIBUTES: &[&str] = &[
    "srcset",
    "formaction",
    "action",
    "background",
    "poster",
    "ping",
    "manifest",
    "codebase",
    "data",
    "dynsrc",
    "lowsrc",
    "xmlns",
    "is",
    "srcdoc",
    "autofocus",
    "popover",
    "popovertarget",
];

/// Attributes holding a URL.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "cite", "longdesc", "xlink:href"];

/// The schemes sanitised HTML may use (`parley-remote:N` is the placeholder of a removed
/// remote image).
pub const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto", "cid", "parley-remote"];

struct Element {
    name: QualName,
    attrs: RefCell<Vec<Attribute>>,
}

/// A tree sink that keeps only the elements (with their attributes as the parser settled them).
struct Collect {
    document: Rc<Element>,
    elements: RefCell<Vec<Rc<Element>>>,
}

impl TreeSink for Collect {
    type Handle = Rc<Element>;
    type Output = Vec<Rc<Element>>;
    type ElemName<'a> = &'a QualName;

    fn finish(self) -> Self::Output {
        self.elements.into_inner()
    }
    fn parse_error(&self, _msg: Cow<'static, str>) {}
    fn get_document(&self) -> Self::Handle {
        Rc::clone(&self.document)
    }
    fn elem_name<'a>(&'a self, target: &'a Self::Handle) -> &'a QualName {
        &target.name
    }
    fn create_element(
        &self,
        name: QualName,
        attrs: Vec<Attribute>,
        _: ElementFlags,
    ) -> Self::Handle {
        let e = Rc::new(Element {
            name,
            attrs: RefCell::new(attrs),
        });
        self.elements.borrow_mut().push(Rc::clone(&e));
        e
    }
    fn create_comment(&self, _text: StrTendril) -> Self::Handle {
        Rc::new(Element {
            name: QualName::new(None, ns!(), "#comment".into()),
            attrs: RefCell::default(),
        })
    }
    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Self::Handle {
        Rc::new(Element {
            name: QualName::new(None, ns!(), "#pi".into()),
            attrs: RefCell::default(),
        })
    }
    fn append(&self, _parent: &Self::Handle, _child: NodeOrText<Self::Handle>) {}
    fn append_based_on_parent_node(
        &self,
        _element: &Self::Handle,
        _prev: &Self::Handle,
        _child: NodeOrText<Self::Handle>,
    ) {
    }
    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}
    fn get_template_contents(&self, target: &Self::Handle) -> Self::Handle {
        Rc::clone(target)
    }
    fn same_node(&self, x: &Self::Handle, y: &Self::Handle) -> bool {
        Rc::ptr_eq(x, y)
    }
    fn set_quirks_mode(&self, _mode: QuirksMode) {}
    fn append_before_sibling(&self, _sibling: &Self::Handle, _new: NodeOrText<Self::Handle>) {}
    fn add_attrs_if_missing(&self, target: &Self::Handle, attrs: Vec<Attribute>) {
        let mut have = target.attrs.borrow_mut();
        for a in attrs {
            if !have.iter().any(|h| h.name == a.name) {
                have.push(a);
            }
        }
    }
    fn remove_from_parent(&self, _target: &Self::Handle) {}
    fn reparent_children(&self, _node: &Self::Handle, _new_parent: &Self::Handle) {}
}

/// The scheme of a URL as a browser reads it; `None` when it has none (relative).
fn scheme(url: &str) -> Option<String> {
    let trimmed = url.trim_matches(|c: char| c <= ' ');
    let cleaned: String = trimmed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let (scheme, _) = cleaned.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| scheme.to_ascii_lowercase())
}

/// Why `html` (sanitised email HTML) is unsafe, or `None` when it is safe (see the module doc).
pub fn unsafe_html(html: &str) -> Option<String> {
    let sink = Collect {
        document: Rc::new(Element {
            name: QualName::new(None, ns!(), "#document".into()),
            attrs: RefCell::default(),
        }),
        elements: RefCell::default(),
    };
    let elements = parse_document(sink, Default::default()).one(html);
    for e in &elements {
        let tag = e.name.local.to_string().to_ascii_lowercase();
        if e.name.ns != ns!(html) {
            return Some(format!(
                "a <{tag}> element outside HTML (namespace {})",
                e.name.ns
            ));
        }
        if FORBIDDEN_ELEMENTS.contains(&tag.as_str()) {
            return Some(format!("a <{tag}> element"));
        }
        for a in e.attrs.borrow().iter() {
            let name = match &a.name.prefix {
                Some(p) => format!("{p}:{}", a.name.local).to_ascii_lowercase(),
                None => a.name.local.to_string().to_ascii_lowercase(),
            };
            let value = a.value.to_string();
            if name.starts_with("on") || FORBIDDEN_ATTRIBUTES.contains(&name.as_str()) {
                return Some(format!("<{tag} {name}={value:?}>"));
            }
            if URL_ATTRIBUTES.contains(&name.as_str()) {
                let Some(s) = scheme(&value) else {
                    return Some(format!("<{tag} {name}={value:?}>: a URL without a scheme"));
                };
                if !ALLOWED_SCHEMES.contains(&s.as_str()) {
                    return Some(format!("<{tag} {name}={value:?}>: scheme {s:?}"));
                }
                if tag == "img" && name == "src" && !matches!(s.as_str(), "cid" | "parley-remote") {
                    return Some(format!("<img src={value:?}>: an image that loads"));
                }
            }
            if name == "style" {
                let squeezed: String = value
                    .to_ascii_lowercase()
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                for bad in [
                    "url(",
                    "expression(",
                    "image-set(",
                    "@import",
                    "\\",
                    "/*",
                    "javascript:",
                ] {
                    if squeezed.contains(bad) {
                        return Some(format!("<{tag} style={value:?}>: holds {bad:?}"));
                    }
                }
            }
        }
    }
    None
}

/// Panics, with the reason and the HTML, when `html` is not safe.
pub fn assert_safe_html(html: &str) {
    if let Some(why) = unsafe_html(html) {
        panic!("unsafe sanitised HTML: {why}\n--- html ---\n{html}");
    }
}

/// libfuzzer-sys aborts on every panic, also one the code catches. Parley catches mail-parser's
/// panics on hostile mail (`email::parse::read_mime`: the mail is unreadable), so for the `mime`
/// target a panic raised inside mail-parser only unwinds; if nothing catches it, libfuzzer-sys
/// still aborts (its `catch_unwind` around each input), so an uncaught one is still a crash.
pub fn let_mail_parser_panics_unwind() {
    let abort_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_mail_parser = info
            .location()
            .is_some_and(|l| l.file().contains("/mail-parser-"));
        if !in_mail_parser {
            abort_hook(info);
        }
    }));
}

/// Proves the check can fail: it must pass plain safe HTML and find each of a list of unsafe
/// documents. The targets run it once at start, so a check broken by an edit stops the run.
pub fn self_check() {
    assert_eq!(unsafe_html("<p>hi <a href=\"https://x\">x</a></p>"), None);
    assert_eq!(
        unsafe_html("<img src=\"cid:a\"><img src=\"parley-remote:0\">"),
        None
    );
    for bad in [
        "<script>1</script>",
        "<svg><a>x</a></svg>",
        "<p onclick=\"x\">",
        "<P OnClick=\"x\">",
        "<a href=\"java\tscript:x\">",
        "<a href=\" javascript:x\">",
        "<a href=\"/relative\">",
        "<img src=\"https://tracker/x.gif\">",
        "<p style=\"background: U R L ( x )\">",
        "<p style=\"background:url(x)\">",
        "<table><tr><td background=\"x\">",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    ] {
        assert!(unsafe_html(bad).is_some(), "the check missed {bad}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_check_finds_what_it_looks_for() {
        super::self_check();
    }
}
