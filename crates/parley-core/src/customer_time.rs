//! The customer's local time in the pane: where it can be known, which zone or offset, and
//! where that came from (what each source means: `parley-domain/src/customer.rs`).
//!
//! In order: a zone an agent set by hand; the zone of the customer's phone number (an SMS or
//! WhatsApp identity, `+4915…` or `whatsapp:+81…`, else a phone-like attribute written in
//! international form); the offset of their latest inbound email's Date header; else, when a
//! phone's country spans several zones, "several time zones" (`ambiguous`) and no time.
//!
//! A phone's zone: `phonenumber` gives the number's country (libphonenumber's metadata; it has no
//! geocoding or time zones); a country with one zone in tzdata's `zone.tab` (`country_zones.rs`,
//! generated) gives that zone; so does a country whose zones all keep the same offset right now
//! (Germany's Berlin and Büsingen). For the US and Canada the area code picks the zone
//! (`nanp.rs`); any other country with zones apart (Russia, Brazil, Australia, Mexico,
//! Indonesia, Spain with the Canaries…) is "several time zones": no guess. Zone rules (daylight
//! saving included) are `chrono-tz`'s.
//!
//! Parsing a number loads `phonenumber`'s metadata the first time in a process (see
//! `suggest.rs`), so this runs on the blocking pool, beside the store.

mod country_zones;
mod nanp;

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use parley_domain::{ChannelKind, ContactContext, CustomerTime, Millis, TimeSource};
use parley_store::TimeHints;

/// What a phone number says about the customer's zone.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PhoneZone {
    One(Tz),
    Several,
}

/// The offset of `zone` at `now`, in minutes east of UTC.
pub fn offset_minutes(zone: Tz, now: Millis) -> i32 {
    let at = chrono::Utc
        .timestamp_millis_opt(now)
        .single()
        .unwrap_or_else(|| {
            chrono::Utc
                .timestamp_millis_opt(0)
                .single()
                .unwrap_or_default()
        });
    zone.offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc()
        / 60
}

/// An IANA zone name Parley knows (`chrono-tz`'s database), as it spells it.
pub fn known_zone(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}

/// Every zone an agent can pick: tzdb's canonical `Area/City` names, A to Z, and UTC.
pub fn zone_choices() -> Vec<String> {
    let mut out: Vec<String> = country_zones::COUNTRY_ZONES
        .iter()
        .flat_map(|(_, zones)| zones.iter().map(|z| (*z).to_owned()))
        .filter(|z| known_zone(z).is_some())
        .collect();
    out.push("UTC".to_owned());
    out.sort();
    out.dedup();
    out
}

fn country_zones(region: &str) -> Option<&'static [&'static str]> {
    country_zones::COUNTRY_ZONES
        .binary_search_by(|(cc, _)| (*cc).cmp(region))
        .ok()
        .map(|i| country_zones::COUNTRY_ZONES[i].1)
}

/// The calling code of a number and what it says about the zone; `None` when it is no valid
/// international number.
fn phone_zone(raw: &str, now: Millis) -> Option<(u16, PhoneZone)> {
    let e164 = crate::suggest::normalize_phone(raw, None)?;
    let number = phonenumber::parse(None, &e164).ok()?;
    let code = number.code().value();
    let Some(region) = number.country().id() else {
        return Some((code, PhoneZone::Several));
    };
    let region = region.as_ref();
    if region == "US" || region == "CA" {
        let national = number.national().value().to_string();
        let zone = national
            .get(..3)
            .and_then(|a| a.parse::<u16>().ok())
            .and_then(nanp::area_zone)
            .and_then(known_zone);
        return Some((code, zone.map_or(PhoneZone::Several, PhoneZone::One)));
    }
    let zones: Vec<Tz> = country_zones(region)?
        .iter()
        .filter_map(|z| known_zone(z))
        .collect();
    let first = *zones.first()?;
    let same_now = zones
        .iter()
        .all(|z| offset_minutes(*z, now) == offset_minutes(first, now));
    Some((
        code,
        if same_now {
            PhoneZone::One(first)
        } else {
            PhoneZone::Several
        },
    ))
}

/// The customer's phone numbers as written: SMS and WhatsApp identities first, then phone-like
/// attributes.
fn phones(ctx: &ContactContext) -> Vec<&str> {
    let identities = ctx
        .identities
        .iter()
        .filter(|i| matches!(i.channel, ChannelKind::Sms | ChannelKind::Whatsapp))
        .map(|i| i.remote_id.as_str());
    let attributes = ctx
        .attributes
        .iter()
        .filter(|a| crate::suggest::is_phone_key(&a.key))
        .map(|a| a.value.as_str());
    identities.chain(attributes).collect()
}

/// The customer's local time as far as `ctx` and `hints` tell, at `now`.
pub fn customer_time(ctx: &ContactContext, hints: &TimeHints, now: Millis) -> Option<CustomerTime> {
    if let Some(zone) = hints.zone_set.as_deref().and_then(known_zone) {
        return Some(CustomerTime {
            zone: Some(zone.name().to_owned()),
            offset_minutes: Some(offset_minutes(zone, now)),
            source: TimeSource::SetByHand,
            calling_code: None,
            observed_at: None,
            ambiguous: false,
        });
    }
    let mut several: Option<u16> = None;
    for phone in phones(ctx) {
        match phone_zone(phone, now) {
            Some((code, PhoneZone::One(zone))) => {
                return Some(CustomerTime {
                    zone: Some(zone.name().to_owned()),
                    offset_minutes: Some(offset_minutes(zone, now)),
                    source: TimeSource::Phone,
                    calling_code: Some(code),
                    observed_at: None,
                    ambiguous: false,
                });
            }
            Some((code, PhoneZone::Several)) => {
                several.get_or_insert(code);
            }
            None => {}
        }
    }
    if let Some((minutes, at)) = hints.email_offset {
        return Some(CustomerTime {
            zone: None,
            offset_minutes: Some(minutes),
            source: TimeSource::Email,
            calling_code: None,
            observed_at: Some(at),
            ambiguous: false,
        });
    }
    several.map(|code| CustomerTime {
        zone: None,
        offset_minutes: None,
        source: TimeSource::Phone,
        calling_code: Some(code),
        observed_at: None,
        ambiguous: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_domain::*;

    /// 2025-01-15 12:00 UTC (winter in the north) and 2025-07-15 12:00 UTC (summer).
    const JAN: Millis = 1_736_942_400_000;
    const JUL: Millis = 1_752_580_800_000;

    fn ctx(identities: &[(ChannelKind, &str)], attributes: &[(&str, &str)]) -> ContactContext {
        ContactContext {
            contact_id: ContactId(1),
            display_name: "Ana".into(),
            avatar: None,
            imported: None,
            identities: identities
                .iter()
                .enumerate()
                .map(|(n, (channel, remote))| IdentityView {
                    id: IdentityId(n as i64 + 1),
                    channel: *channel,
                    account_name: "shop".into(),
                    remote_id: (*remote).into(),
                    handle: None,
                    display_name: "Ana".into(),
                    opted_out: false,
                    opt_out: None,
                })
                .collect(),
            first_seen_at: 0,
            thread_count: 1,
            message_count: 1,
            notes: vec![],
            attributes: attributes
                .iter()
                .map(|(k, v)| ContactAttribute {
                    key: (*k).into(),
                    kind: AttributeKind::Text,
                    value: (*v).into(),
                })
                .collect(),
            conversations: vec![],
            vip: false,
            blocked: false,
            tags: vec![],
            local_time: None,
        }
    }

    fn at(
        c: &ContactContext,
        hints: &TimeHints,
        now: Millis,
    ) -> Option<(Option<String>, Option<i32>, TimeSource, bool)> {
        customer_time(c, hints, now).map(|t| (t.zone, t.offset_minutes, t.source, t.ambiguous))
    }

    fn zone(
        z: &str,
        minutes: i32,
        source: TimeSource,
    ) -> Option<(Option<String>, Option<i32>, TimeSource, bool)> {
        Some((Some(z.into()), Some(minutes), source, false))
    }

    #[test]
    fn a_single_zone_countrys_phone_gives_its_zone_with_daylight_saving() {
        let none = TimeHints::default();
        let de = ctx(&[(ChannelKind::Sms, "+4915112345678")], &[]);
        assert_eq!(
            at(&de, &none, JAN),
            zone("Europe/Berlin", 60, TimeSource::Phone)
        );
        assert_eq!(
            at(&de, &none, JUL),
            zone("Europe/Berlin", 120, TimeSource::Phone)
        );
        let t = customer_time(&de, &none, JAN).expect("time");
        assert_eq!(t.calling_code, Some(49));
        // WhatsApp's prefix; Japan has no daylight saving.
        let jp = ctx(&[(ChannelKind::Whatsapp, "whatsapp:+81312345678")], &[]);
        assert_eq!(
            at(&jp, &none, JUL),
            zone("Asia/Tokyo", 540, TimeSource::Phone)
        );
        // India's half hour.
        let india = ctx(&[(ChannelKind::Whatsapp, "whatsapp:+919812345678")], &[]);
        assert_eq!(
            at(&india, &none, JAN),
            zone("Asia/Kolkata", 330, TimeSource::Phone)
        );
        // A "Phone" attribute in international form counts too.
        let attr = ctx(
            &[(ChannelKind::Telegram, "42")],
            &[("Phone", "+33 6 12 34 56 78")],
        );
        assert_eq!(
            at(&attr, &none, JAN),
            zone("Europe/Paris", 60, TimeSource::Phone)
        );
    }

    #[test]
    fn us_and_canadian_numbers_go_by_area_code() {
        let none = TimeHints::default();
        let cases = [
            ("+12125550123", "America/New_York", -300),
            ("+13125550123", "America/Chicago", -360),
            ("+13035550123", "America/Denver", -420),
            ("+16025550123", "America/Phoenix", -420),
            ("+14155550123", "America/Los_Angeles", -480),
            ("+19075550123", "America/Anchorage", -540),
            ("+18085550123", "Pacific/Honolulu", -600),
            ("+14165550123", "America/Toronto", -300),
            ("+16045550123", "America/Vancouver", -480),
            ("+17095550123", "America/St_Johns", -210),
        ];
        for (number, z, minutes) in cases {
            let c = ctx(&[(ChannelKind::Sms, number)], &[]);
            assert_eq!(
                at(&c, &none, JAN),
                zone(z, minutes, TimeSource::Phone),
                "{number}"
            );
        }
        // Arizona keeps no daylight saving; New York does.
        let az = ctx(&[(ChannelKind::Sms, "+16025550123")], &[]);
        assert_eq!(
            at(&az, &none, JUL),
            zone("America/Phoenix", -420, TimeSource::Phone)
        );
        let ny = ctx(&[(ChannelKind::Sms, "+12125550123")], &[]);
        assert_eq!(
            at(&ny, &none, JUL),
            zone("America/New_York", -240, TimeSource::Phone)
        );
    }

    #[test]
    fn a_country_of_several_zones_says_so_rather_than_guess() {
        let none = TimeHints::default();
        for number in [
            "+18505550123",   // Florida's panhandle: Central and Eastern
            "+79161234567",   // Russia
            "+61412345678",   // Australia (a mobile: no area)
            "+5511987654321", // Brazil
            "+525512345678",  // Mexico
        ] {
            let c = ctx(
                &[(ChannelKind::Whatsapp, &format!("whatsapp:{number}"))],
                &[],
            );
            let t = customer_time(&c, &none, JAN).expect(number);
            assert!(t.ambiguous, "{number}");
            assert_eq!((t.zone, t.offset_minutes), (None, None), "{number}");
            assert_eq!(t.source, TimeSource::Phone);
        }
        // Germany's two zones keep one time: not ambiguous.
        let de = ctx(&[(ChannelKind::Sms, "+4930123456")], &[]);
        assert!(!customer_time(&de, &none, JAN).expect("de").ambiguous);
        // A second number that gives one zone wins over an ambiguous first one.
        let two = ctx(
            &[
                (ChannelKind::Sms, "+79161234567"),
                (ChannelKind::Whatsapp, "whatsapp:+4915112345678"),
            ],
            &[],
        );
        assert_eq!(
            at(&two, &none, JAN),
            zone("Europe/Berlin", 60, TimeSource::Phone)
        );
    }

    #[test]
    fn an_emails_offset_serves_when_no_phone_gives_a_zone() {
        let mail = TimeHints {
            zone_set: None,
            email_offset: Some((540, 77)),
        };
        let nobody = ctx(&[(ChannelKind::Email, "ana@example.com")], &[]);
        let t = customer_time(&nobody, &mail, JAN).expect("time");
        assert_eq!(
            (
                t.zone,
                t.offset_minutes,
                t.source,
                t.observed_at,
                t.ambiguous
            ),
            (None, Some(540), TimeSource::Email, Some(77), false)
        );
        // Over an ambiguous phone, the email's offset is the better hint...
        let ru = ctx(&[(ChannelKind::Sms, "+79161234567")], &[]);
        assert_eq!(
            customer_time(&ru, &mail, JAN).expect("t").source,
            TimeSource::Email
        );
        // ...but a phone that gives one zone wins over it.
        let de = ctx(&[(ChannelKind::Sms, "+4915112345678")], &[]);
        assert_eq!(
            at(&de, &mail, JAN),
            zone("Europe/Berlin", 60, TimeSource::Phone)
        );
        // Nothing at all: no time.
        assert_eq!(customer_time(&nobody, &TimeHints::default(), JAN), None);
        // Not phone numbers: a Telegram id, a phone attribute in national form.
        let odd = ctx(
            &[(ChannelKind::Telegram, "4915112345678")],
            &[("Phone", "030 1234567")],
        );
        assert_eq!(customer_time(&odd, &TimeHints::default(), JAN), None);
    }

    #[test]
    fn a_zone_set_by_hand_wins_over_every_guess() {
        let hand = TimeHints {
            zone_set: Some("America/Sao_Paulo".into()),
            email_offset: Some((60, 5)),
        };
        let de = ctx(&[(ChannelKind::Sms, "+4915112345678")], &[]);
        assert_eq!(
            at(&de, &hand, JAN),
            zone("America/Sao_Paulo", -180, TimeSource::SetByHand)
        );
        // A name Parley does not know (a database older than the one that wrote it) is skipped.
        let unknown = TimeHints {
            zone_set: Some("Mars/Olympus_Mons".into()),
            email_offset: None,
        };
        assert_eq!(
            at(&de, &unknown, JAN),
            zone("Europe/Berlin", 60, TimeSource::Phone)
        );
    }

    #[test]
    fn every_generated_zone_is_known_and_the_choices_hold_the_usual_ones() {
        for (cc, zones) in country_zones::COUNTRY_ZONES {
            for z in *zones {
                assert!(known_zone(z).is_some(), "{cc} {z}");
            }
        }
        assert!(
            country_zones::COUNTRY_ZONES
                .windows(2)
                .all(|w| w[0].0 < w[1].0)
        );
        let choices = zone_choices();
        for z in ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"] {
            assert!(choices.iter().any(|c| c == z), "{z}");
        }
    }
}
