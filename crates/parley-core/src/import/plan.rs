//! Deciding each row: new customer, update of one Parley knows, or skipped, and why.
//!
//! - A row matches a customer when one of its emails or phones, normalised
//!   ([`normalize_email`], [`normalize_phone`] in the request's region), equals one of the
//!   customer's: an email or SMS/WhatsApp identity's remote id, or an email- or phone-like
//!   attribute (the names the merge suggestions read, `suggest::attribute_kind`). An email
//!   match wins over a phone match to another customer (a shared family phone is common, a
//!   shared address rare); a key shared by two customers Parley knows matches neither, and the
//!   row is skipped until they are merged.
//! - Two rows that are one person (an email or phone in common, or matching the same customer)
//!   are a duplicate: the later is skipped, naming the earlier line. The first row is the one
//!   imported, so a file's order decides, as it would for a person reading it.
//! - A row with no name, email or phone, an empty row and a broken row (`read.rs`) are skipped.
//! - A value that is not what its column says (an invalid address, a number that is not one)
//!   is left out and noted; the rest of the row is imported.
//! - Names lose control characters and direction overrides (`\u{202E}` would show "Ana" as
//!   "anA"), and runs of spaces; letters of every script stay.

use super::read::Table;
use crate::suggest::{AttributeKind as KeyKind, attribute_kind, normalize_email, normalize_phone};
use parley_domain::*;
use parley_store::{ImportPlan, MatchSource, PlannedRow};
use std::collections::HashMap;

/// The longest name imported.
pub const NAME_MAX_CHARS: usize = 200;
/// The attribute names email and phone columns are kept under.
pub const EMAIL_KEY: &str = "Email";
pub const PHONE_KEY: &str = "Phone";

/// What every live customer is known by, normalised.
#[derive(Debug, Default)]
pub struct Index {
    emails: HashMap<String, Vec<ContactId>>,
    phones: HashMap<String, Vec<ContactId>>,
}

fn add(map: &mut HashMap<String, Vec<ContactId>>, key: String, contact: ContactId) {
    let ids = map.entry(key).or_default();
    if !ids.contains(&contact) {
        ids.push(contact);
    }
}

impl Index {
    pub fn build(sources: &[(ContactId, MatchSource)], region: Option<&str>) -> Index {
        let mut index = Index::default();
        for (contact, source) in sources {
            match source {
                MatchSource::Identity { channel, remote_id } => match channel {
                    ChannelKind::Email => {
                        if let Some(e) = normalize_email(remote_id) {
                            add(&mut index.emails, e, *contact);
                        }
                    }
                    ChannelKind::Sms | ChannelKind::Whatsapp => {
                        let phone = crate::suggest::provider_e164(remote_id.trim())
                            .or_else(|| normalize_phone(remote_id, None));
                        if let Some(p) = phone {
                            add(&mut index.phones, p, *contact);
                        }
                    }
                    _ => {}
                },
                MatchSource::Attribute { key, value } => match attribute_kind(key) {
                    Some(KeyKind::Email) => {
                        if let Some(e) = normalize_email(value) {
                            add(&mut index.emails, e, *contact);
                        }
                    }
                    Some(KeyKind::Phone) => {
                        let phone = crate::suggest::provider_e164(value.trim())
                            .or_else(|| normalize_phone(value, region));
                        if let Some(p) = phone {
                            add(&mut index.phones, p, *contact);
                        }
                    }
                    _ => {}
                },
            }
        }
        index
    }
}

/// A name as imported: no control characters or direction controls, single spaces.
pub fn clean_name(raw: &str) -> String {
    let no_controls: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let no_bidi = parley_domain::text::without_bidi_controls(&no_controls);
    no_bidi.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The plan, and what the report says of rows before they are written.
#[derive(Debug)]
pub struct Planned {
    pub plan: ImportPlan,
    /// Skipped rows, by line.
    pub skipped: Vec<ImportRowReport>,
    /// What was left out of each planned row, by line.
    pub notes: HashMap<u32, Vec<String>>,
}

/// Checks the agent's choices against the file.
pub fn check_request(table: &Table, request: &ImportRequest) -> Result<(), String> {
    if request.mapping.len() != table.headers.len() {
        return Err(format!(
            "the mapping has {} columns, the file {}",
            request.mapping.len(),
            table.headers.len()
        ));
    }
    let identifying = request.mapping.iter().any(|t| {
        matches!(
            t,
            ImportTarget::Name
                | ImportTarget::FirstName
                | ImportTarget::LastName
                | ImportTarget::Email
                | ImportTarget::Phone
        )
    });
    if !identifying {
        return Err("choose at least one column for the name, the email or the phone".into());
    }
    for t in &request.mapping {
        if let ImportTarget::Attribute { key, .. } = t {
            parley_store::checked_attribute(&ContactAttribute {
                key: key.clone(),
                kind: AttributeKind::Text,
                value: "x".into(),
            })
            .map_err(|e| match e {
                parley_store::StoreError::Invalid(why) => why,
                other => other.to_string(),
            })?;
        }
    }
    if let Some(r) = &request.phone_region
        && !(r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic()))
    {
        return Err(format!(
            "{r:?} is not a country code (two letters, like DE or US)"
        ));
    }
    Ok(())
}

fn skip(line: u32, name: String, why: String) -> ImportRowReport {
    ImportRowReport {
        line,
        outcome: ImportOutcome::Skipped,
        name,
        contact_id: None,
        notes: vec![why],
    }
}

fn numbered(key: &str, n: usize) -> String {
    if n == 0 {
        key.to_string()
    } else {
        format!("{key} {}", n + 1)
    }
}

/// Every row's fate. `request` must have passed [`check_request`].
pub fn plan(table: &Table, request: &ImportRequest, file_name: &str, index: &Index) -> Planned {
    let region = request.phone_region.as_deref();
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    let mut notes: HashMap<u32, Vec<String>> = HashMap::new();
    // Each email/phone of the file and each matched customer: the first line with it.
    let mut seen_keys: HashMap<String, u32> = HashMap::new();
    let mut seen_contacts: HashMap<ContactId, u32> = HashMap::new();

    for row in &table.rows {
        let cell = |i: usize| row.cells.get(i).map(|c| c.trim()).unwrap_or("");
        // A name to show even for a skipped row.
        let mut whole = String::new();
        let (mut first, mut last) = (String::new(), String::new());
        for (i, t) in request.mapping.iter().enumerate() {
            match t {
                ImportTarget::Name if whole.is_empty() => whole = clean_name(cell(i)),
                ImportTarget::FirstName if first.is_empty() => first = clean_name(cell(i)),
                ImportTarget::LastName if last.is_empty() => last = clean_name(cell(i)),
                _ => {}
            }
        }
        let name = if whole.is_empty() {
            clean_name(&format!("{first} {last}"))
        } else {
            whole
        };
        let shown: String = name.chars().take(NAME_MAX_CHARS).collect();
        if let Some(problem) = &row.problem {
            skipped.push(skip(row.line, shown, format!("Broken row: it {problem}.")));
            continue;
        }
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            skipped.push(skip(row.line, shown, "Empty row.".into()));
            continue;
        }
        if name.chars().count() > NAME_MAX_CHARS {
            skipped.push(skip(
                row.line,
                shown,
                format!("The name is longer than {NAME_MAX_CHARS} characters."),
            ));
            continue;
        }

        let mut left_out: Vec<String> = Vec::new();
        let mut attributes: Vec<ContactAttribute> = Vec::new();
        let mut emails: Vec<String> = Vec::new();
        let mut phones: Vec<String> = Vec::new();
        let keep = |attributes: &mut Vec<ContactAttribute>,
                    left_out: &mut Vec<String>,
                    key: String,
                    kind: AttributeKind,
                    value: &str| {
            if attributes.iter().any(|a| a.key.eq_ignore_ascii_case(&key)) {
                left_out.push(format!(
                    "{key}: a second value {value:?} was left out (two columns have this name)"
                ));
                return;
            }
            match parley_store::checked_attribute(&ContactAttribute {
                key: key.clone(),
                kind,
                value: value.into(),
            }) {
                Ok(a) => attributes.push(a),
                Err(parley_store::StoreError::Invalid(why)) => {
                    left_out.push(format!("{key}: {why}; left out"))
                }
                Err(other) => left_out.push(format!("{key}: {other}; left out")),
            }
        };
        for (i, t) in request.mapping.iter().enumerate() {
            let value = cell(i);
            if value.is_empty() {
                continue;
            }
            match t {
                ImportTarget::Email => match normalize_email(value) {
                    Some(key) => {
                        if !emails.contains(&key) {
                            let written = value
                                .strip_prefix("mailto:")
                                .unwrap_or(value)
                                .trim()
                                .to_string();
                            let k = numbered(EMAIL_KEY, emails.len());
                            emails.push(key);
                            keep(&mut attributes, &mut left_out, k, AttributeKind::Text, &written);
                        }
                    }
                    None => left_out.push(format!(
                        "{}: {value:?} is not an email address; left out",
                        table.headers[i]
                    )),
                },
                ImportTarget::Phone => match normalize_phone(value, region) {
                    Some(e164) => {
                        if !phones.contains(&e164) {
                            let k = numbered(PHONE_KEY, phones.len());
                            phones.push(e164.clone());
                            keep(&mut attributes, &mut left_out, k, AttributeKind::Text, &e164);
                        }
                    }
                    None => left_out.push(format!(
                        "{}: {value:?} is not a phone number{}; left out",
                        table.headers[i],
                        if region.is_none() && !value.starts_with('+') {
                            " (write it with its country code, or choose the country of national numbers)"
                        } else {
                            ""
                        }
                    )),
                },
                ImportTarget::Attribute {
                    key,
                    attribute_kind,
                } => keep(
                    &mut attributes,
                    &mut left_out,
                    key.trim().to_string(),
                    *attribute_kind,
                    value,
                ),
                _ => {}
            }
        }

        if name.is_empty() && emails.is_empty() && phones.is_empty() {
            let mut why = "No name, email or phone to know the customer by.".to_string();
            if !left_out.is_empty() {
                why.push_str(&format!(" ({})", left_out.join("; ")));
            }
            skipped.push(skip(row.line, shown, why));
            continue;
        }

        // The same person earlier in the file?
        let keys: Vec<(String, &str, &str)> = emails
            .iter()
            .map(|e| (format!("e:{e}"), "email", e.as_str()))
            .chain(
                phones
                    .iter()
                    .map(|p| (format!("p:{p}"), "phone", p.as_str())),
            )
            .collect();
        if let Some((earlier, what, value)) = keys
            .iter()
            .find_map(|(k, what, v)| seen_keys.get(k).map(|l| (*l, *what, *v)))
        {
            skipped.push(skip(
                row.line,
                shown,
                format!(
                    "Duplicate of line {earlier} (the same {what}, {value}); the first is imported."
                ),
            ));
            continue;
        }

        // A customer Parley knows?
        let ambiguous = |map: &HashMap<String, Vec<ContactId>>, keys: &[String], what: &str| {
            keys.iter().find_map(|k| {
                map.get(k)
                    .filter(|ids| ids.len() > 1)
                    .map(|ids| format!(
                        "Matches {} customers Parley knows by the {what} {k}; merge them first, then import again.",
                        ids.len()
                    ))
            })
        };
        if let Some(why) = ambiguous(&index.emails, &emails, "email")
            .or_else(|| ambiguous(&index.phones, &phones, "phone"))
        {
            skipped.push(skip(row.line, shown, why));
            continue;
        }
        let by_email = emails
            .iter()
            .find_map(|e| index.emails.get(e).map(|ids| ids[0]));
        let by_phone = phones
            .iter()
            .find_map(|p| index.phones.get(p).map(|ids| ids[0]));
        let contact = by_email.or(by_phone);
        if let (Some(e), Some(p)) = (by_email, by_phone)
            && e != p
        {
            left_out.push(
                "The phone belongs to another customer Parley knows; matched by the email".into(),
            );
        }
        if let Some(c) = contact
            && let Some(earlier) = seen_contacts.get(&c)
        {
            skipped.push(skip(
                row.line,
                shown,
                format!(
                    "Duplicate of line {earlier}: both match the same customer Parley knows; the first is imported."
                ),
            ));
            continue;
        }
        for (k, _, _) in &keys {
            seen_keys.insert(k.clone(), row.line);
        }
        if let Some(c) = contact {
            seen_contacts.insert(c, row.line);
        }
        // A new customer with no name is called by their address or number.
        let name = if !name.is_empty() {
            Some(name)
        } else if contact.is_none() {
            attributes
                .iter()
                .find(|a| a.key == EMAIL_KEY || a.key == PHONE_KEY)
                .map(|a| a.value.clone())
        } else {
            None
        };
        if !left_out.is_empty() {
            notes.insert(row.line, left_out);
        }
        rows.push(PlannedRow {
            line: row.line,
            contact,
            name,
            attributes,
        });
    }
    Planned {
        plan: ImportPlan {
            file_name: file_name.to_string(),
            mode: request.mode,
            rows,
            skipped: skipped.len() as u32,
        },
        skipped,
        notes,
    }
}
