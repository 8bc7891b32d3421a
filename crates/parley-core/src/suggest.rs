//! Merge suggestions (issue 14, "one customer, one dialogue"): which contacts Parley is fairly
//! sure are one customer, and why. Pure: the store hands over one [`MergeCandidate`] per contact,
//! [`suggest`] returns a ranked review list. Parley never merges on its own; the agent merges or
//! dismisses, and a dismissed pair never comes back.
//!
//! # What counts
//!
//! **Strong keys** match whatever the channels and dates:
//!
//! | reason | from | score |
//! |---|---|---|
//! | [`MergeReason::SameUser`] | two Telegram identities with the same user id (Telegram's ids are global, so two bots see one person under one id) | 97 % |
//! | [`MergeReason::SameEmail`] | email identities' addresses and email-like attributes ("email", "E-mail", "Mail address"), through [`normalize_email`] | 95 % |
//! | [`MergeReason::SamePhone`] | SMS and WhatsApp identities (`+1415…`, `whatsapp:+49…`) and phone-like attributes ("phone", "Phone number", "mobile", "tel", "WhatsApp"), through [`normalize_phone`] | 90 % |
//! | [`MergeReason::SameHandle`] | an Instagram username seen on two Instagram accounts, or a Telegram/Instagram username recorded as an attribute ("telegram", "instagram", "ig") matching an identity's or another attribute's, through [`normalize_handle`] | 85 % |
//!
//! An identity's number already in E.164 (Twilio gives nothing else) is taken as given;
//! anything else, and every attribute, goes through [`normalize_phone`]. A phone attribute
//! written in national format ("030 1234567") is read in the region of the contact's own
//! SMS/WhatsApp numbers, since the engine has no other hint of the country; without one only
//! international forms count. Two Telegram identities that merely share a username are not
//! matched (a username can pass to another person; the user id is what stays), and a Telegram
//! group (`chat:…`) is nobody's user id.
//!
//! A key shared by more than [`STRONG_KEY_MAX_CONTACTS`] contacts identifies nobody (a shop's
//! own address typed into attributes, a call centre's number) and is ignored; so are role
//! addresses such as `noreply@` or `postmaster@`.
//!
//! **Similar names** ([`MergeReason::SimilarName`]) count on their own only when all of these
//! hold:
//! - both names are real names ([`name_key`]): after transliteration, dropping digits, titles,
//!   initials and placeholder words ("Customer 1234", "Unknown sender", "Telegram user", a bare
//!   phone number or an address shown as a name), at least two words remain, one of three letters
//!   or more. A first name alone identifies no one;
//! - [`name_similarity`] is at least [`NAME_SIMILARITY_MIN`] (0.90), which needs one word in
//!   common exactly;
//! - the two contacts are on different channels (their channel sets are disjoint): on one
//!   channel the provider already told them apart;
//! - no account has an identity of both: the provider gave them different ids on that very
//!   account, so they are two people;
//! - their activity overlaps or is within [`ACTIVITY_WINDOW_MS`] (30 days): a name seen again a
//!   year later is more often a namesake than the same customer switching channels;
//! - both have written on a channel. A customer imported from a file (no identity, their
//!   "activity" the import's time) is matched only by strong keys: the email and phone the file
//!   gave, against the address or number they later write from. A shop's list of thousands of
//!   names would otherwise pair every namesake who writes in.
//!
//! Name-only scores run from 55 % (similarity 0.90) to 80 % (identical), so any strong key ranks
//! above any name. When a strong key matches too, a similar name is added as a supporting reason
//! (no channel or date condition then). When a strong key matches but both contacts have real,
//! clearly different names (similarity below [`CONFLICTING_NAME_MAX`]: a shared family phone, a
//! colleague's address) the score is lowered by 15 % (a phone then shows 77 %, still above any
//! name alone).
//!
//! Several reasons combine as independent evidence: `1 − Π(1 − sᵢ)`. [`MergeSuggestion::score`]
//! is that, in percent. The list is sorted by score, then by the pair's most recent activity,
//! then by ids (deterministic).
//!
//! # Names
//!
//! [`name_key`] keeps letters of every script, transliterates them to ASCII with `deunicode`
//! ("José Álvarez" → "jose alvarez", "Мария Иванова" → "mariia ivanova", "王伟" → "wang wei"),
//! lowercases, drops punctuation and sorts the words, so "García, María" and "maria garcia" are
//! the same key; apostrophes join ("O'Brien" → "obrien"), hyphens split. "Müller" becomes
//! "muller"; "Mueller" is not folded to it but is close enough (0.96 beside "Hans").
//!
//! [`name_similarity`] is 1 for the same key and 0.99 for the same letters split differently
//! ("Jean-Luc Picard" / "Jeanluc Picard"). Otherwise the two names must share one word exactly
//! (else 0: "Anna Schmidt" and "Hanna Schmitz" are 0.94 alike word by word, and two people); the
//! words of the shorter name are aligned with the longer's by Jaro-Winkler (each pair at least
//! [`NAME_TOKEN_MIN`] = 0.85) and averaged, and a name that is a strict subset of the other
//! ("Maria Garcia" in "María García López") loses 4 %. Jaro-Winkler cannot tell "Maria Garcia"
//! from "Mario Garcia" (0.96): that is what the channel and date conditions and the agent's
//! review are for. Transliteration is only as good as `deunicode`'s: Arabic loses its short
//! vowels ("محمد" → "mhmd"), so Arabic-script names match each other but seldom a Latin spelling.
//!
//! # Scale
//!
//! Never all pairs: strong keys go into exact-match maps, and names into blocks keyed by one
//! whole word plus the first two letters of another word of the same name ("garcia|ma"). Two
//! names are compared only when they share a block, so a name match needs one word in common
//! exactly (after transliteration) and another starting alike. A block of more than
//! [`NAME_BLOCK_MAX`] contacts is skipped: a name that common says nothing by itself. Each
//! contact brings at most [`MAX_NAMES_PER_CONTACT`] names (its own and its identities') and
//! [`MAX_KEYS_PER_CONTACT`] strong keys, so hostile data cannot blow the work up.
//!
//! Measured on the 2-core development machine with the `suggest_20k` test's synthetic inbox
//! (20 000 contacts, ~2 700 suggestions), optimised build: about 70 ms, plus about 75 ms once per
//! process the first time a phone number is parsed (`phonenumber` loads its metadata); a debug
//! build takes 0.4–0.8 s. Parsing a typed phone number costs ~10–20 µs, which is why provider
//! numbers already in E.164 skip it.

use parley_domain::{
    AccountId, ChannelKind, ContactId, MergeCandidate, MergeReason, MergeSuggestion, Millis,
};
use std::collections::{HashMap, HashSet};

/// Activity this close (or overlapping) lets a similar name count: 30 days.
pub const ACTIVITY_WINDOW_MS: Millis = 30 * 24 * 3600 * 1000;
/// The least [`name_similarity`] that counts as a similar name.
pub const NAME_SIMILARITY_MIN: f64 = 0.90;
/// Each aligned pair of words must be at least this similar (Jaro-Winkler).
pub const NAME_TOKEN_MIN: f64 = 0.85;
/// Below this similarity two real names conflict, which lowers a strong key's score.
pub const CONFLICTING_NAME_MAX: f64 = 0.75;
/// A strong key (email, phone, username) shared by more contacts than this is ignored.
pub const STRONG_KEY_MAX_CONTACTS: usize = 10;
/// A name block with more contacts than this is skipped.
pub const NAME_BLOCK_MAX: usize = 64;
/// Names read per contact (its display name first, then its identities').
pub const MAX_NAMES_PER_CONTACT: usize = 4;
/// Strong keys read per contact.
pub const MAX_KEYS_PER_CONTACT: usize = 32;

const SCORE_SAME_USER: f64 = 0.97;
const SCORE_EMAIL: f64 = 0.95;
const SCORE_PHONE: f64 = 0.90;
const SCORE_HANDLE: f64 = 0.85;
const SCORE_NAME_MIN: f64 = 0.55;
const SCORE_NAME_MAX: f64 = 0.80;
const CONFLICT_FACTOR: f64 = 0.85;
const SUBSET_FACTOR: f64 = 0.96;
/// Words kept per name, and characters read of one (customer text is hostile).
const MAX_NAME_TOKENS: usize = 6;
const MAX_NAME_CHARS: usize = 200;
const MAX_FIELD_CHARS: usize = 320;

/// Local parts that are a mailbox's role, never a person.
const ROLE_LOCAL_PARTS: &[&str] = &[
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
    "mailer-daemon",
    "postmaster",
    "bounce",
    "bounces",
];

/// Words that stand in for a name ("Customer 1234", "Unknown sender", "Telegram user").
const PLACEHOLDER_WORDS: &[&str] = &[
    "customer",
    "client",
    "unknown",
    "sender",
    "user",
    "guest",
    "visitor",
    "anonymous",
    "anon",
    "contact",
    "chat",
    "group",
    "telegram",
    "whatsapp",
    "sms",
    "instagram",
    "messenger",
    "facebook",
    "email",
    "mail",
    "phone",
    "mobile",
    "noname",
    "name",
    "none",
    "null",
    "undefined",
    "test",
    "support",
    "info",
    "admin",
];

/// Titles and honorifics, dropped from names.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "herr", "frau", "sr", "sra",
    "mme", "mlle", "jr",
];

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

/// An email address as a matching key, or `None` when `raw` is not an address.
///
/// Trims, accepts `mailto:` and `Name <address>`, requires a domain with a dot (no IP
/// literals), lowercases the whole address (mailbox names are case-insensitive in practice),
/// and drops plus-addressing (`ann+shop@x.com` → `ann@x.com`). Gmail is folded as Gmail itself
/// does: `googlemail.com` is `gmail.com` and dots in the local part are ignored
/// (`a.n.n@gmail.com` → `ann@gmail.com`); other providers' dots are kept, since for them dots are
/// significant. The result is a key for comparing, not an address to write to.
pub fn normalize_email(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() || s.chars().count() > MAX_FIELD_CHARS {
        return None;
    }
    let s = strip_prefix_ci(s, "mailto:").unwrap_or(s).trim();
    let options = email_address::Options {
        minimum_sub_domains: 2,
        allow_domain_literal: false,
        allow_display_text: true,
    };
    let parsed = email_address::EmailAddress::parse_with_options(s, options).ok()?;
    let local = parsed.local_part();
    if local.starts_with('"') || local.chars().any(char::is_control) {
        return None;
    }
    let local = local.to_lowercase();
    let mut domain = parsed.domain().trim_end_matches('.').to_lowercase();
    if !domain.contains('.') {
        return None;
    }
    let mut local = match local.split_once('+') {
        Some((base, _tag)) => base.to_string(),
        None => local,
    };
    if domain == "googlemail.com" {
        domain = "gmail.com".to_string();
    }
    if domain == "gmail.com" {
        local.retain(|c| c != '.');
    }
    if local.is_empty() {
        return None;
    }
    Some(format!("{local}@{domain}"))
}

/// A phone number in E.164 (`+4930123456`), or `None` when `raw` is not a valid number.
///
/// Accepts `whatsapp:`, `tel:` and `sms:` prefixes; spaces, dots, dashes, slashes and
/// parentheses; a `(0)` trunk prefix after the country code (`+44 (0)20 …`); `00` as the
/// international prefix; and national formats when `default_region` (ISO 3166 alpha-2, "DE")
/// says where to read them. Anything else (letters, extensions, a second `+`) is refused before
/// parsing. Validity is `phonenumber`'s (libphonenumber's metadata): a number of the wrong
/// length or an unassigned range is `None`.
pub fn normalize_phone(raw: &str, default_region: Option<&str>) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let mut s = s;
    for prefix in ["whatsapp:", "tel:", "sms:"] {
        if let Some(rest) = strip_prefix_ci(s, prefix) {
            s = rest.trim();
            break;
        }
    }
    let s = s.replace("(0)", " ");
    let mut cleaned = String::with_capacity(s.len());
    for (i, c) in s.trim().char_indices() {
        match c {
            '0'..='9' => cleaned.push(c),
            '+' if i == 0 => cleaned.push('+'),
            '-' | '.' | '(' | ')' | '/' => {}
            c if c.is_whitespace() => {}
            _ => return None,
        }
    }
    let digits = cleaned.trim_start_matches('+');
    if !(5..=17).contains(&digits.len()) {
        return None;
    }
    // "00" is the international prefix nearly everywhere; no national number starts with it.
    if let Some(rest) = cleaned.strip_prefix("00") {
        cleaned = format!("+{rest}");
    }
    let region = match default_region {
        Some(r) if !cleaned.starts_with('+') => Some(r.trim().to_ascii_uppercase().parse().ok()?),
        _ => None,
    };
    if !cleaned.starts_with('+') && region.is_none() {
        return None;
    }
    let number = phonenumber::parse(region, &cleaned).ok()?;
    if !phonenumber::is_valid(&number) {
        return None;
    }
    Some(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// An SMS or WhatsApp identity's number as the provider gave it (`+4915…`, `whatsapp:+4915…`),
/// when it is already in E.164 form. Twilio hands over E.164 addresses, so they are taken as
/// given: re-validating them through libphonenumber's metadata would cost more than the rest of
/// the engine together. Anything else goes through [`normalize_phone`].
pub(crate) fn provider_e164(remote: &str) -> Option<String> {
    let number = strip_prefix_ci(remote, "whatsapp:").unwrap_or(remote);
    let digits = number.strip_prefix('+')?;
    let canonical = (8..=15).contains(&digits.len())
        && !digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit());
    canonical.then(|| number.to_string())
}

/// The regions (ISO 3166 alpha-2) whose national format a contact with this E.164 number most
/// likely writes in: the number's own region and the main region of its country code (+44 7911…
/// is Guernsey's range, but a national "07…" beside it is read as British too).
fn home_regions(e164: &str) -> Vec<String> {
    let Ok(number) = phonenumber::parse(None, e164) else {
        return Vec::new();
    };
    let mut regions: Vec<String> = Vec::new();
    if let Some(id) = number.country().id() {
        regions.push(id.as_ref().to_string());
    }
    let code = number.code().value();
    if let Some(main) = phonenumber::metadata::DATABASE
        .region(&code)
        .and_then(|r| r.first().map(|s| s.to_string()))
        && !regions.contains(&main)
    {
        regions.push(main);
    }
    regions
}

/// A Telegram or Instagram username as a matching key: without `@` or a profile link
/// (`t.me/…`, `instagram.com/…`), lowercased (both services ignore case); letters, digits, `_`
/// and `.` only, 3 to 32 of them, at least one letter.
pub fn normalize_handle(raw: &str) -> Option<String> {
    let mut s = raw.trim();
    if s.is_empty() || s.len() > 200 {
        return None;
    }
    if s.contains('/') {
        let without_scheme = s
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or(s)
            .trim_start_matches("www.");
        let (host, path) = without_scheme.split_once('/')?;
        let host = host.to_ascii_lowercase();
        if !matches!(
            host.as_str(),
            "t.me" | "telegram.me" | "instagram.com" | "instagr.am"
        ) {
            return None;
        }
        s = path.split(['/', '?', '#']).next()?;
    }
    let s = s.strip_prefix('@').unwrap_or(s).to_ascii_lowercase();
    let ok_chars = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    let len_ok = (3..=32).contains(&s.len());
    (ok_chars && len_ok && s.chars().any(|c| c.is_ascii_alphabetic())).then_some(s)
}

/// The comparable form of a person's name, or `None` when it is no real name (see the module
/// doc): transliterated to ASCII, lowercased, without punctuation, digits, titles, initials and
/// placeholder words, words deduplicated and sorted, joined by spaces.
pub fn name_key(raw: &str) -> Option<String> {
    NameKey::new(raw).map(|k| k.tokens.join(" "))
}

/// How alike two names are, 0..=1 (see the module doc); 0 when either is no real name.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    match (NameKey::new(a), NameKey::new(b)) {
        (Some(a), Some(b)) => a.similarity(&b),
        _ => 0.0,
    }
}

#[derive(Debug, Clone)]
struct NameKey {
    /// Sorted, deduplicated, at least two.
    tokens: Vec<String>,
    /// The words run together, for names split differently ("jean luc" / "jeanluc").
    joined: String,
}

impl NameKey {
    fn new(raw: &str) -> Option<NameKey> {
        if raw.contains('@') {
            return None; // an address shown as the name
        }
        // Keep letters and digits of any script; everything else separates words (so an emoji
        // does not turn into words through transliteration).
        // Apostrophes join ("O'Brien" is one word).
        let kept: String = raw
            .chars()
            .take(MAX_NAME_CHARS)
            .filter(|c| !matches!(c, '\'' | '\u{2019}' | '\u{02bc}' | '`'))
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let ascii = deunicode::deunicode(&kept).to_ascii_lowercase();
        let mut tokens: Vec<String> = Vec::new();
        for word in ascii.split(|c: char| !c.is_ascii_alphanumeric()) {
            if word.len() < 2
                || word.bytes().any(|b| b.is_ascii_digit())
                || TITLES.contains(&word)
                || PLACEHOLDER_WORDS.contains(&word)
                || tokens.iter().any(|t| t == word)
            {
                continue;
            }
            tokens.push(word.to_string());
            if tokens.len() == MAX_NAME_TOKENS {
                break;
            }
        }
        if tokens.len() < 2 || tokens.iter().all(|t| t.len() < 3) {
            return None;
        }
        tokens.sort();
        let joined = tokens.concat();
        Some(NameKey { tokens, joined })
    }

    fn similarity(&self, other: &NameKey) -> f64 {
        if self.tokens == other.tokens {
            return 1.0;
        }
        if self.joined == other.joined {
            // Same letters, split differently ("jean luc" / "jeanluc").
            return 0.99;
        }
        // One word in common exactly, or two names are too far apart to say ("Anna Schmidt" and
        // "Hanna Schmitz" are 0.94 alike word by word, and two people).
        if !self.tokens.iter().any(|t| other.tokens.contains(t)) {
            return 0.0;
        }
        let (short, long) = if self.tokens.len() <= other.tokens.len() {
            (&self.tokens, &other.tokens)
        } else {
            (&other.tokens, &self.tokens)
        };
        let mut used = vec![false; long.len()];
        let mut total = 0.0;
        let mut aligned = true;
        for s in short {
            let best = long
                .iter()
                .enumerate()
                .filter(|(i, _)| !used[*i])
                .map(|(i, l)| (i, strsim::jaro_winkler(s, l)))
                .max_by(|x, y| x.1.total_cmp(&y.1));
            match best {
                Some((i, sim)) if sim >= NAME_TOKEN_MIN => {
                    used[i] = true;
                    total += sim;
                }
                _ => {
                    aligned = false;
                    break;
                }
            }
        }
        let by_words = if aligned {
            let mean = total / short.len() as f64;
            if short.len() < long.len() {
                mean * SUBSET_FACTOR
            } else {
                mean
            }
        } else {
            0.0
        };
        let run_together = if self.tokens.len() != other.tokens.len() {
            strsim::jaro_winkler(&self.joined, &other.joined)
        } else {
            0.0
        };
        by_words.max(run_together)
    }

    /// Block keys: one whole word plus the first two letters of another word.
    fn blocks(&self) -> impl Iterator<Item = String> + '_ {
        self.tokens.iter().enumerate().flat_map(move |(i, whole)| {
            self.tokens
                .iter()
                .enumerate()
                .filter(move |(j, _)| *j != i)
                .map(move |(_, other)| {
                    let prefix: String = other.chars().take(2).collect();
                    format!("{whole}|{prefix}")
                })
        })
    }
}

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum StrongKey {
    TelegramUser(String),
    Email(String),
    Phone(String),
    Handle(ChannelKind, String),
}

impl StrongKey {
    fn reason(&self) -> MergeReason {
        match self.clone() {
            StrongKey::TelegramUser(id) => MergeReason::SameUser {
                channel: ChannelKind::Telegram,
                id,
            },
            StrongKey::Email(email) => MergeReason::SameEmail { email },
            StrongKey::Phone(phone) => MergeReason::SamePhone { phone },
            StrongKey::Handle(channel, handle) => MergeReason::SameHandle { channel, handle },
        }
    }
}

/// Where a strong key came from: a Telegram username on a Telegram identity matches only a
/// username recorded as an attribute (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Identity,
    Attribute,
}

/// One candidate, read once.
struct Prepared<'a> {
    candidate: &'a MergeCandidate,
    channels: Vec<ChannelKind>,
    accounts: Vec<AccountId>,
    keys: Vec<(StrongKey, Source)>,
    /// (name as shown, its key), best first.
    names: Vec<(&'a str, NameKey)>,
    first: Millis,
    last: Millis,
}

fn reason_strength(reason: &MergeReason) -> f64 {
    match reason {
        MergeReason::SameUser { .. } => SCORE_SAME_USER,
        MergeReason::SameEmail { .. } => SCORE_EMAIL,
        MergeReason::SamePhone { .. } => SCORE_PHONE,
        MergeReason::SameHandle { .. } => SCORE_HANDLE,
        // Overwritten by the pair's similarity where it is computed; this is the floor.
        MergeReason::SimilarName { .. } => SCORE_NAME_MIN,
    }
}

fn name_score(similarity: f64) -> f64 {
    let t = ((similarity - NAME_SIMILARITY_MIN) / (1.0 - NAME_SIMILARITY_MIN)).clamp(0.0, 1.0);
    SCORE_NAME_MIN + (SCORE_NAME_MAX - SCORE_NAME_MIN) * t
}

pub(crate) enum AttributeKind {
    Email,
    Phone,
    Handle(ChannelKind),
}

/// Whether an attribute's key says it holds a phone number ("Phone", "Mobile", "WhatsApp"…).
pub(crate) fn is_phone_key(key: &str) -> bool {
    matches!(attribute_kind(key), Some(AttributeKind::Phone))
}

/// What an attribute key says its value is, if contact data at all.
pub(crate) fn attribute_kind(key: &str) -> Option<AttributeKind> {
    let k: String = key
        .chars()
        .take(64)
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let k = deunicode::deunicode(&k);
    if k.contains("mail") {
        Some(AttributeKind::Email)
    } else if k.contains("whatsapp")
        || k.contains("phone")
        || k.contains("mobile")
        || k.contains("cell")
        || k.contains("telefon")
        || k.contains("handy")
        || k == "tel"
        || k == "sms"
    {
        Some(AttributeKind::Phone)
    } else if k.contains("telegram") || k == "tg" {
        Some(AttributeKind::Handle(ChannelKind::Telegram))
    } else if k.contains("instagram") || k == "ig" || k == "insta" {
        Some(AttributeKind::Handle(ChannelKind::Instagram))
    } else {
        None
    }
}

fn is_role_address(email: &str) -> bool {
    email
        .split_once('@')
        .is_some_and(|(local, _)| ROLE_LOCAL_PARTS.contains(&local))
}

fn prepare(candidate: &MergeCandidate) -> Prepared<'_> {
    let mut channels: Vec<ChannelKind> = Vec::new();
    let mut accounts: Vec<AccountId> = Vec::new();
    let mut keys: Vec<(StrongKey, Source)> = Vec::new();
    let mut phones: Vec<String> = Vec::new();
    let push = |keys: &mut Vec<(StrongKey, Source)>, key: StrongKey, source: Source| {
        if keys.len() < MAX_KEYS_PER_CONTACT && !keys.iter().any(|(k, _)| *k == key) {
            keys.push((key, source));
        }
    };

    for identity in &candidate.identities {
        if !channels.contains(&identity.channel) {
            channels.push(identity.channel);
        }
        if !accounts.contains(&identity.account) {
            accounts.push(identity.account);
        }
        let remote = identity.remote_id.trim();
        match identity.channel {
            ChannelKind::Sms | ChannelKind::Whatsapp => {
                if let Some(phone) = provider_e164(remote).or_else(|| normalize_phone(remote, None))
                {
                    phones.push(phone.clone());
                    push(&mut keys, StrongKey::Phone(phone), Source::Identity);
                }
            }
            ChannelKind::Email => {
                if let Some(email) = normalize_email(remote).filter(|e| !is_role_address(e)) {
                    push(&mut keys, StrongKey::Email(email), Source::Identity);
                }
            }
            ChannelKind::Telegram => {
                // A private chat's user id; group chats are "chat:-100…".
                if !remote.is_empty()
                    && remote.len() <= 20
                    && remote.bytes().all(|b| b.is_ascii_digit())
                {
                    push(
                        &mut keys,
                        StrongKey::TelegramUser(remote.to_string()),
                        Source::Identity,
                    );
                }
                if let Some(handle) = identity.handle.as_deref().and_then(normalize_handle) {
                    push(
                        &mut keys,
                        StrongKey::Handle(ChannelKind::Telegram, handle),
                        Source::Identity,
                    );
                }
            }
            ChannelKind::Instagram => {
                if let Some(handle) = identity.handle.as_deref().and_then(normalize_handle) {
                    push(
                        &mut keys,
                        StrongKey::Handle(ChannelKind::Instagram, handle),
                        Source::Identity,
                    );
                }
            }
            ChannelKind::Messenger => {}
        }
    }
    channels.sort_by_key(|c| ChannelKind::ALL.iter().position(|x| x == c));
    accounts.sort();

    let mut regions: Option<Vec<String>> = None;
    for (key, value) in candidate.attributes.iter().take(MAX_KEYS_PER_CONTACT * 2) {
        match attribute_kind(key) {
            Some(AttributeKind::Email) => {
                if let Some(email) = normalize_email(value).filter(|e| !is_role_address(e)) {
                    push(&mut keys, StrongKey::Email(email), Source::Attribute);
                }
            }
            Some(AttributeKind::Phone) => {
                let phone = normalize_phone(value, None).or_else(|| {
                    // National format: read where the contact's own numbers are (computed once).
                    let regions = regions.get_or_insert_with(|| {
                        let mut all: Vec<String> = Vec::new();
                        for region in phones.iter().flat_map(|p| home_regions(p)) {
                            if !all.contains(&region) {
                                all.push(region);
                            }
                        }
                        all
                    });
                    regions
                        .iter()
                        .find_map(|r| normalize_phone(value, Some(r.as_str())))
                });
                if let Some(phone) = phone {
                    push(&mut keys, StrongKey::Phone(phone), Source::Attribute);
                }
            }
            Some(AttributeKind::Handle(channel)) => {
                if let Some(handle) = normalize_handle(value) {
                    push(
                        &mut keys,
                        StrongKey::Handle(channel, handle),
                        Source::Attribute,
                    );
                }
            }
            None => {}
        }
    }

    let mut names: Vec<(&str, NameKey)> = Vec::new();
    let shown = std::iter::once(candidate.display_name.as_str())
        .chain(candidate.identities.iter().map(|i| i.display_name.as_str()));
    for name in shown.take(MAX_NAMES_PER_CONTACT * 4) {
        if names.len() == MAX_NAMES_PER_CONTACT {
            break;
        }
        if let Some(key) = NameKey::new(name)
            && !names.iter().any(|(_, k)| k.tokens == key.tokens)
        {
            names.push((name.trim(), key));
        }
    }

    let (first, last) = (
        candidate.first_activity_at.min(candidate.last_activity_at),
        candidate.first_activity_at.max(candidate.last_activity_at),
    );
    Prepared {
        candidate,
        channels,
        accounts,
        keys,
        names,
        first,
        last,
    }
}

/// The most similar pair of names of two contacts: (similarity, a's name, b's name).
fn best_names<'a>(a: &Prepared<'a>, b: &Prepared<'a>) -> Option<(f64, &'a str, &'a str)> {
    let mut best: Option<(f64, &str, &str)> = None;
    for (an, ak) in &a.names {
        for (bn, bk) in &b.names {
            let sim = ak.similarity(bk);
            if best.is_none_or(|(s, _, _)| sim > s) {
                best = Some((sim, an, bn));
            }
        }
    }
    best
}

fn activity_near(a: &Prepared<'_>, b: &Prepared<'_>) -> bool {
    a.first.saturating_sub(ACTIVITY_WINDOW_MS) <= b.last
        && b.first.saturating_sub(ACTIVITY_WINDOW_MS) <= a.last
}

fn name_only_allowed(a: &Prepared<'_>, b: &Prepared<'_>) -> bool {
    // A customer with no channel (imported from a file) is matched by strong keys only.
    if a.channels.is_empty() || b.channels.is_empty() {
        return false;
    }
    let disjoint_channels = !a.channels.iter().any(|c| b.channels.contains(c));
    let shared_account = a.accounts.iter().any(|x| b.accounts.contains(x));
    disjoint_channels && !shared_account && activity_near(a, b)
}

fn shown(name: &str) -> String {
    name.trim().chars().take(MAX_NAME_CHARS).collect()
}

/// The pairs worth the agent's review, best first, at most `limit` (see the module doc for the
/// rules). `dismissed` holds pairs the agent turned down, as `(min, max)`; they never come back.
/// Candidates with the same contact id are read as one contact's duplicates and never paired.
pub fn suggest(
    candidates: &[MergeCandidate],
    dismissed: &HashSet<(ContactId, ContactId)>,
    limit: usize,
) -> Vec<MergeSuggestion> {
    if limit == 0 || candidates.len() < 2 {
        return Vec::new();
    }
    let prepared: Vec<Prepared<'_>> = candidates.iter().map(prepare).collect();
    let is_dismissed = |i: usize, j: usize| {
        let (x, y) = (prepared[i].candidate.contact, prepared[j].candidate.contact);
        x == y || dismissed.contains(&(x.min(y), x.max(y)))
    };
    let ordered = |i: usize, j: usize| if i < j { (i, j) } else { (j, i) };

    // Strong keys: exact maps.
    let mut by_key: HashMap<&StrongKey, Vec<(usize, Source)>> = HashMap::new();
    for (i, p) in prepared.iter().enumerate() {
        for (key, source) in &p.keys {
            by_key.entry(key).or_default().push((i, *source));
        }
    }
    let mut strong: HashMap<(usize, usize), Vec<MergeReason>> = HashMap::new();
    for (key, members) in &by_key {
        if members.len() < 2 || members.len() > STRONG_KEY_MAX_CONTACTS {
            continue;
        }
        let telegram_handle = matches!(key, StrongKey::Handle(ChannelKind::Telegram, _));
        for (x, &(i, si)) in members.iter().enumerate() {
            for &(j, sj) in &members[x + 1..] {
                if telegram_handle && si == Source::Identity && sj == Source::Identity {
                    continue;
                }
                if is_dismissed(i, j) {
                    continue;
                }
                let reasons = strong.entry(ordered(i, j)).or_default();
                let reason = key.reason();
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
        }
    }

    // Names: blocks, then each pair once.
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in prepared.iter().enumerate() {
        for (_, key) in &p.names {
            for block in key.blocks() {
                let members = blocks.entry(block).or_default();
                if members.last() != Some(&i) {
                    members.push(i);
                }
            }
        }
    }
    let mut name_pairs: HashSet<(usize, usize)> = HashSet::new();
    for members in blocks.values() {
        if members.len() < 2 || members.len() > NAME_BLOCK_MAX {
            continue;
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                let pair = ordered(i, j);
                if !strong.contains_key(&pair) && !is_dismissed(i, j) {
                    name_pairs.insert(pair);
                }
            }
        }
    }

    let mut out: Vec<(MergeSuggestion, Millis)> = Vec::new();
    for ((i, j), mut reasons) in strong {
        let (a, b) = (&prepared[i], &prepared[j]);
        let mut strengths: Vec<f64> = reasons.iter().map(reason_strength).collect();
        let mut conflict = false;
        if let Some((sim, an, bn)) = best_names(a, b) {
            if sim >= NAME_SIMILARITY_MIN {
                reasons.push(MergeReason::SimilarName {
                    a: shown(an),
                    b: shown(bn),
                });
                strengths.push(name_score(sim));
            } else if sim < CONFLICTING_NAME_MAX {
                conflict = true;
            }
        }
        out.push(build(a, b, reasons, strengths, conflict));
    }
    for (i, j) in name_pairs {
        let (a, b) = (&prepared[i], &prepared[j]);
        if !name_only_allowed(a, b) {
            continue;
        }
        if let Some((sim, an, bn)) = best_names(a, b)
            && sim >= NAME_SIMILARITY_MIN
        {
            let reasons = vec![MergeReason::SimilarName {
                a: shown(an),
                b: shown(bn),
            }];
            out.push(build(a, b, reasons, vec![name_score(sim)], false));
        }
    }

    out.sort_by(|(x, x_recent), (y, y_recent)| {
        y.score
            .cmp(&x.score)
            .then(y_recent.cmp(x_recent))
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    out.truncate(limit);
    out.into_iter().map(|(s, _)| s).collect()
}

fn build(
    x: &Prepared<'_>,
    y: &Prepared<'_>,
    reasons: Vec<MergeReason>,
    strengths: Vec<f64>,
    conflict: bool,
) -> (MergeSuggestion, Millis) {
    let mut ranked: Vec<(f64, MergeReason)> = strengths.into_iter().zip(reasons).collect();
    // Strongest first; equal strengths (two shared addresses) in a fixed order.
    ranked.sort_by_cached_key(|(strength, reason)| {
        (
            std::cmp::Reverse((strength * 1e6) as i64),
            format!("{reason:?}"),
        )
    });
    let doubt: f64 = ranked.iter().map(|(s, _)| 1.0 - s).product();
    let mut score = 1.0 - doubt;
    if conflict {
        score *= CONFLICT_FACTOR;
    }
    let percent = (score * 100.0).round().clamp(1.0, 100.0) as u8;
    // `a` is the lower contact id, whichever side the candidates came in.
    let (a, b, swapped) = if x.candidate.contact <= y.candidate.contact {
        (x, y, false)
    } else {
        (y, x, true)
    };
    let reasons = ranked
        .into_iter()
        .map(|(_, r)| match r {
            MergeReason::SimilarName { a: an, b: bn } if swapped => {
                MergeReason::SimilarName { a: bn, b: an }
            }
            r => r,
        })
        .collect();
    let suggestion = MergeSuggestion {
        a: a.candidate.contact,
        b: b.candidate.contact,
        a_name: shown(&a.candidate.display_name),
        b_name: shown(&b.candidate.display_name),
        a_channels: a.channels.clone(),
        b_channels: b.channels.clone(),
        reasons,
        score: percent,
    };
    (suggestion, a.last.max(b.last))
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
#[path = "suggest_tests.rs"]
mod tests;
