//! The customer importer (`parley_core::import`): any bytes as the uploaded file, through the
//! preview (encoding, separator, header, mapping guessed from the headers) and the plan against
//! a few customers Parley knows, with the guessed mapping. Properties: no panic; the preview's
//! counts agree with the table; every row of the file is either planned or skipped, by its line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parley_core::import::{self, plan};
use parley_domain::{ChannelKind, ContactId, ImportMode, ImportRequest};
use parley_store::MatchSource;
use std::sync::OnceLock;

/// The customers Parley knows, indexed once (phone numbers are slow to normalise).
static INDEX: OnceLock<plan::Index> = OnceLock::new();

fn known_customers() -> plan::Index {
    let sources = [
        (
            ContactId(1),
            MatchSource::Identity {
                channel: ChannelKind::Email,
                remote_id: "ana@example.com".into(),
            },
        ),
        (
            ContactId(2),
            MatchSource::Attribute {
                key: "Phone".into(),
                value: "+49 30 1234567".into(),
            },
        ),
        (
            ContactId(3),
            MatchSource::Identity {
                channel: ChannelKind::Whatsapp,
                remote_id: "whatsapp:+15551234567".into(),
            },
        ),
    ];
    plan::Index::build(&sources, Some("DE"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(preview) = import::preview("customers.csv", data, None) else {
        return;
    };
    assert_eq!(preview.suggested.len(), preview.headers.len());
    assert!(preview.rows.len() as u32 <= preview.row_count);
    assert!(preview.broken_count <= preview.row_count);
    let Ok((decoded, table)) = import::read(data, Some(&preview.encoding)) else {
        panic!(
            "the preview's own encoding {:?} was refused",
            preview.encoding
        );
    };
    assert_eq!(table.rows.len() as u32, preview.row_count);
    let request = ImportRequest {
        encoding: decoded.encoding.name().to_string(),
        mapping: preview.suggested.clone(),
        mode: if data.len() % 2 == 0 {
            ImportMode::Overwrite
        } else {
            ImportMode::FillBlanks
        },
        phone_region: Some("DE".into()),
    };
    if plan::check_request(&table, &request).is_err() {
        return;
    }
    let index = INDEX.get_or_init(known_customers);
    let planned = plan::plan(&table, &request, "customers.csv", index);
    assert_eq!(
        planned.plan.rows.len() + planned.skipped.len(),
        table.rows.len(),
        "every row is planned or skipped"
    );
    assert_eq!(planned.plan.skipped as usize, planned.skipped.len());
    for s in &planned.skipped {
        assert!(s.line >= 1);
        assert!(s.name.chars().count() <= plan::NAME_MAX_CHARS);
    }
});
