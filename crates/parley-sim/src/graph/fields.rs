//! Graph's `fields` parameter: `id,updated_time,messages.limit(20){id,from}` and the like.

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Field {
    pub name: String,
    pub limit: Option<usize>,
    pub sub: Vec<Field>,
}

impl Field {
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            limit: None,
            sub: Vec::new(),
        }
    }
}

/// Parses a fields list; unknown modifiers are ignored, as Graph ignores what it does not know
/// for our purposes. A malformed list yields `None`.
pub(crate) fn parse(text: &str) -> Option<Vec<Field>> {
    let chars: Vec<char> = text.chars().collect();
    let mut pos = 0;
    let fields = parse_list(&chars, &mut pos)?;
    (pos == chars.len()).then_some(fields)
}

fn parse_list(c: &[char], pos: &mut usize) -> Option<Vec<Field>> {
    let mut out = Vec::new();
    loop {
        while *pos < c.len() && c[*pos].is_whitespace() {
            *pos += 1;
        }
        let start = *pos;
        while *pos < c.len() && (c[*pos].is_ascii_alphanumeric() || c[*pos] == '_') {
            *pos += 1;
        }
        if *pos == start {
            return if out.is_empty() && (*pos == c.len() || c[*pos] == '}') {
                Some(out)
            } else {
                None
            };
        }
        let mut field = Field::named(&c[start..*pos].iter().collect::<String>());
        // Modifiers: .limit(n), .summary(true), ...
        while *pos < c.len() && c[*pos] == '.' {
            *pos += 1;
            let m_start = *pos;
            while *pos < c.len() && c[*pos].is_ascii_alphanumeric() {
                *pos += 1;
            }
            let modifier: String = c[m_start..*pos].iter().collect();
            if c.get(*pos) != Some(&'(') {
                return None;
            }
            *pos += 1;
            let a_start = *pos;
            while *pos < c.len() && c[*pos] != ')' {
                *pos += 1;
            }
            let arg: String = c[a_start..*pos].iter().collect();
            *pos += 1;
            if modifier == "limit" {
                field.limit = Some(arg.trim().parse().ok()?);
            }
        }
        if c.get(*pos) == Some(&'{') {
            *pos += 1;
            field.sub = parse_list(c, pos)?;
            if c.get(*pos) != Some(&'}') {
                return None;
            }
            *pos += 1;
        }
        out.push(field);
        match c.get(*pos) {
            Some(',') => *pos += 1,
            _ => return Some(out),
        }
    }
}

/// Writes fields back in Graph's syntax, for `next` links.
pub(crate) fn render(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| {
            let mut s = f.name.clone();
            if let Some(l) = f.limit {
                s.push_str(&format!(".limit({l})"));
            }
            if !f.sub.is_empty() {
                s.push('{');
                s.push_str(&render(&f.sub));
                s.push('}');
            }
            s
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_fields() {
        let f = parse("id,updated_time,messages.limit(20){id,from,attachments}").expect("parses");
        assert_eq!(f.len(), 3);
        assert_eq!(f[2].limit, Some(20));
        assert_eq!(f[2].sub.len(), 3);
        assert_eq!(
            render(&f),
            "id,updated_time,messages.limit(20){id,from,attachments}"
        );
        assert!(parse("id,{").is_none());
    }
}
