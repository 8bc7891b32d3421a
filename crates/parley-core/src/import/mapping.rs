//! A first mapping of the file's columns, guessed from their names in several languages
//! (English, German, French, Spanish, Italian, Portuguese, Dutch, Russian transliterated) and,
//! for other columns, the kind of value from the first rows. The agent changes any of it.

use super::read::Row;
use parley_domain::{AttributeKind, ContactAttribute, ImportTarget};

/// How a header reads: letters and digits only, lowercased, transliterated ("E-Mail" → "email",
/// "Téléphone" → "telephone", "Фамилия" → "familiia").
fn folded(header: &str) -> String {
    let lower: String = header
        .chars()
        .take(64)
        .flat_map(char::to_lowercase)
        .collect();
    deunicode::deunicode(&lower)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Guess {
    Name,
    First,
    Last,
    /// "nombre", "nome": a first name beside a last-name column, else the whole name.
    FirstOrName,
    /// "nom" (French): a last name beside a first-name column, else the whole name.
    LastOrName,
    Email,
    Phone,
    Other,
}

fn guess(header: &str) -> Guess {
    let h = folded(header);
    let is = |words: &[&str]| words.contains(&h.as_str());
    if is(&[
        "firstname",
        "first",
        "givenname",
        "forename",
        "vorname",
        "prenom",
        "primernombre",
        "voornaam",
        "imia",
        "imya",
    ]) {
        Guess::First
    } else if is(&[
        "lastname",
        "last",
        "surname",
        "familyname",
        "nachname",
        "familienname",
        "apellido",
        "apellidos",
        "cognome",
        "sobrenome",
        "achternaam",
        "familiia",
        "familiya",
        "nomdefamille",
    ]) {
        Guess::Last
    } else if is(&["nombre", "nome"]) {
        Guess::FirstOrName
    } else if is(&["nom"]) {
        Guess::LastOrName
    } else if is(&[
        "name",
        "fullname",
        "customer",
        "customername",
        "client",
        "clientname",
        "contact",
        "contactname",
        "displayname",
        "kunde",
        "kundenname",
        "vollstandigername",
        "nomcomplet",
        "nombrecompleto",
        "nomecompleto",
        "naam",
        "volledigenaam",
        "fio",
        "imiafamiliia",
    ]) {
        Guess::Name
    } else if h.contains("mail") || h.contains("correo") || h.contains("courriel") || h == "epost" {
        Guess::Email
    } else if h.contains("phone")
        || h.contains("telefon")
        || h.contains("telephone")
        || h.contains("telefono")
        || h.contains("telefone")
        || h.contains("mobile")
        || h.contains("mobil")
        || h.contains("handy")
        || h.contains("cell")
        || h.contains("movil")
        || h.contains("celular")
        || h.contains("whatsapp")
        || h == "tel"
        || h == "tlf"
        || h == "fon"
    {
        Guess::Phone
    } else {
        Guess::Other
    }
}

/// The kind of value a column's first rows hold: number, date or link when every non-empty
/// sample is one, else text.
fn kind_of(column: usize, rows: &[Row]) -> AttributeKind {
    let samples: Vec<&str> = rows
        .iter()
        .filter(|r| r.problem.is_none())
        .filter_map(|r| r.cells.get(column))
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .take(20)
        .collect();
    if samples.is_empty() {
        return AttributeKind::Text;
    }
    for kind in [
        AttributeKind::Number,
        AttributeKind::Date,
        AttributeKind::Link,
    ] {
        let all = samples.iter().all(|v| {
            parley_store::checked_attribute(&ContactAttribute {
                key: "x".into(),
                kind,
                value: (*v).into(),
            })
            .is_ok()
        });
        if all {
            return kind;
        }
    }
    AttributeKind::Text
}

/// One target per header. Name, email and phone go to the first column that looks like one;
/// later look-alikes become attributes (a second address is still kept, and an attribute named
/// like an email is still matched by the merge suggestions).
pub fn suggest(headers: &[String], rows: &[Row]) -> Vec<ImportTarget> {
    let guesses: Vec<Guess> = headers.iter().map(|h| guess(h)).collect();
    let has = |g: Guess| guesses.contains(&g);
    let (has_first, has_last) = (has(Guess::First), has(Guess::Last));
    let mut taken: Vec<ImportTarget> = Vec::new();
    let mut out = Vec::with_capacity(headers.len());
    for (i, (header, g)) in headers.iter().zip(&guesses).enumerate() {
        let wanted = match g {
            Guess::Name => Some(ImportTarget::Name),
            Guess::First => Some(ImportTarget::FirstName),
            Guess::Last => Some(ImportTarget::LastName),
            Guess::FirstOrName if has_last => Some(ImportTarget::FirstName),
            Guess::FirstOrName => Some(ImportTarget::Name),
            Guess::LastOrName if has_first => Some(ImportTarget::LastName),
            Guess::LastOrName => Some(ImportTarget::Name),
            Guess::Email => Some(ImportTarget::Email),
            Guess::Phone => Some(ImportTarget::Phone),
            Guess::Other => None,
        };
        let target = match wanted {
            Some(t) if !taken.contains(&t) => {
                taken.push(t.clone());
                t
            }
            _ => ImportTarget::Attribute {
                key: header
                    .chars()
                    .take(40)
                    .collect::<String>()
                    .trim()
                    .to_string(),
                attribute_kind: kind_of(i, rows),
            },
        };
        out.push(target);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn headers_in_several_languages() {
        let t = suggest(
            &headers(&["Vorname", "Nachname", "E-Mail", "Telefon", "Kundennummer"]),
            &[Row {
                line: 2,
                cells: vec![
                    "Jörg".into(),
                    "Weiß".into(),
                    "j@x.de".into(),
                    "0301".into(),
                    "1042".into(),
                ],
                problem: None,
            }],
        );
        assert_eq!(
            t,
            [
                ImportTarget::FirstName,
                ImportTarget::LastName,
                ImportTarget::Email,
                ImportTarget::Phone,
                ImportTarget::Attribute {
                    key: "Kundennummer".into(),
                    attribute_kind: AttributeKind::Number
                }
            ]
        );
        let fr = suggest(
            &headers(&["Nom", "Prénom", "Courriel", "Téléphone portable"]),
            &[],
        );
        assert_eq!(
            fr,
            [
                ImportTarget::LastName,
                ImportTarget::FirstName,
                ImportTarget::Email,
                ImportTarget::Phone
            ]
        );
        let es = suggest(
            &headers(&["Nombre", "Correo electrónico", "Móvil", "Alta"]),
            &[],
        );
        assert_eq!(es[0], ImportTarget::Name);
        assert_eq!(es[1], ImportTarget::Email);
        assert_eq!(es[2], ImportTarget::Phone);
        let ru = suggest(&headers(&["Имя", "Фамилия", "Email", "Email 2"]), &[]);
        assert_eq!(ru[0], ImportTarget::FirstName);
        assert_eq!(ru[1], ImportTarget::LastName);
        assert_eq!(ru[2], ImportTarget::Email);
        assert_eq!(
            ru[3],
            ImportTarget::Attribute {
                key: "Email 2".into(),
                attribute_kind: AttributeKind::Text
            }
        );
    }
}
