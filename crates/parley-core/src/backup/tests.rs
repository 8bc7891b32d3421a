use super::*;

#[test]
fn rotation_keeps_the_newest_scheduled_backups_only() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut made = Vec::new();
    for day in 0..10 {
        let name = scheduled_name(1_780_000_000_000 + day * DAY_MS);
        std::fs::write(dir.path().join(&name), b"x").expect("write");
        made.push(name);
    }
    std::fs::write(dir.path().join("parley-notes.txt"), b"mine").expect("write");
    std::fs::write(dir.path().join("other.parley-backup"), b"by hand").expect("write");
    assert_eq!(rotate(dir.path(), 7).expect("rotate"), 3);
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    let mut expected: Vec<String> = made[3..].to_vec();
    expected.push("other.parley-backup".into());
    expected.push("parley-notes.txt".into());
    expected.sort();
    assert_eq!(left, expected);
}

#[test]
fn the_schedule_is_due_daily_and_an_hour_after_a_failure() {
    let mut s = Schedule {
        enabled: true,
        folder: Some("/x".into()),
        key: Some(SealedKey {
            recipient: String::new(),
            sealed: String::new(),
        }),
        ..Schedule::default()
    };
    assert_eq!(s.next_at(5), Some(5));
    s.last_scheduled_at = Some(100);
    s.last_scheduled_ok = true;
    assert_eq!(s.next_at(200), Some(100 + DAY_MS));
    s.last_scheduled_ok = false;
    assert_eq!(s.next_at(200), Some(100 + RETRY_MS));
    s.key = None;
    assert_eq!(s.next_at(200), None);
}
