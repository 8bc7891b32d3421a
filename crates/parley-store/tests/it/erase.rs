//! Per-customer erase: the person's words leave every file of the workspace, others stay, and a
//! later sync cannot bring the erased messages back.

use crate::common::{bot_account, files_holding, inbound};
use parley_domain::*;
use parley_store::*;

const MARK: &str = "zqxj-erase-7731";

#[test]
fn an_erased_customer_leaves_no_trace_in_any_file_and_does_not_come_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = Store::open(&dir.path().join("parley.sqlite3")).expect("open");
    let a = bot_account(&mut s);
    let ada_batch = IngestBatch {
        messages: (0..40)
            .map(|i| {
                inbound(
                    "ada",
                    &format!("ada:{i}"),
                    "ada-id",
                    &format!("order {MARK} number {i}"),
                    10 + i,
                )
            })
            .collect(),
        ..Default::default()
    };
    s.apply_batch(a, &ada_batch, None, 100).expect("ada");
    let bob = IngestBatch {
        messages: vec![inbound("bob", "bob:1", "bob-id", "Bob keeps his words", 20)],
        ..Default::default()
    };
    s.apply_batch(a, &bob, None, 100).expect("bob");
    let threads = s.list_threads(None, 10).expect("threads").threads;
    let ada = threads
        .iter()
        .find(|t| t.contact_name == "Customer ada-id")
        .expect("ada")
        .contact_id;
    s.add_note(ada, &format!("VIP since 2020, {MARK}"), "Sam", 101)
        .expect("note");
    s.set_contact_attribute(
        ada,
        &ContactAttribute {
            key: "Order".into(),
            value: format!("#{MARK}"),
            kind: AttributeKind::Text,
        },
        102,
    )
    .expect("detail");
    s.add_contact_tag(ada, MARK, 103).expect("tag");
    assert!(!s.search(MARK, 10).expect("search").is_empty());

    s.erase_contact(ada, 200).expect("erased");
    assert!(
        s.search(MARK, 10).expect("search").is_empty(),
        "still searchable"
    );
    let left = s.list_threads(None, 10).expect("threads").threads;
    assert_eq!(left.len(), 1, "Bob's conversation stays");
    assert_eq!(left[0].contact_name, "Customer bob-id");
    assert_eq!(s.search("keeps", 10).expect("search").len(), 1);
    assert_eq!(
        files_holding(dir.path(), MARK),
        Vec::<String>::new(),
        "the words stay in a file"
    );

    // The provider hands the old page again: nothing comes back. A new message after the erase is
    // a new customer.
    s.apply_batch(a, &ada_batch, None, 300).expect("replay");
    assert_eq!(s.list_threads(None, 10).expect("threads").threads.len(), 1);
    let again = IngestBatch {
        messages: vec![inbound("ada", "ada:new", "ada-id", "Hello again", 500)],
        ..Default::default()
    };
    s.apply_batch(a, &again, None, 500).expect("new");
    let threads = s.list_threads(None, 10).expect("threads").threads;
    assert_eq!(threads.len(), 2);
    let fresh = threads
        .iter()
        .find(|t| t.contact_name == "Customer ada-id")
        .expect("new");
    assert_eq!(
        s.messages(fresh.id, None, 10)
            .expect("messages")
            .messages
            .len(),
        1
    );
    assert_eq!(files_holding(dir.path(), MARK), Vec::<String>::new());
    assert!(matches!(
        s.erase_contact(ContactId(9999), 600),
        Err(StoreError::NotFound(_))
    ));
}
