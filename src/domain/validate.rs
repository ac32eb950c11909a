//! Validation rules, as pure functions with messages a person understands.
//! They check one record on its own; links to other records are checked by the store.

use super::entities::*;
use super::stage::Pipeline;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The field at fault, as people name it (`email`, `value`, `stage`).
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        ValidationError { field: field.to_string(), message: message.into() }
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ValidationError {}

type Check = Result<(), ValidationError>;

fn required(field: &str, value: &str, what: &str) -> Check {
    if value.trim().is_empty() {
        Err(ValidationError::new(field, format!("{what} cannot be empty")))
    } else if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        Err(ValidationError::new(field, format!("{what} contains control characters")))
    } else {
        Ok(())
    }
}

/// A pragmatic email check: one `@`, something before it, a dotted domain after it, no spaces.
pub fn email(value: &str) -> Check {
    let v = value.trim();
    let bad = |why: &str| Err(ValidationError::new("email", format!("\"{v}\" is not an email address: {why}")));
    let Some((local, domain)) = v.split_once('@') else {
        return bad("it has no @");
    };
    if local.is_empty() {
        return bad("nothing before the @");
    }
    if domain.contains('@') {
        return bad("it has more than one @");
    }
    if v.chars().any(char::is_whitespace) {
        return bad("it contains a space");
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return bad("the part after the @ is not a domain like example.com");
    }
    Ok(())
}

/// A phone number needs at least a few digits; spaces, dashes, dots, brackets and a leading + are fine.
pub fn phone(value: &str) -> Check {
    let v = value.trim();
    let digits = v.chars().filter(char::is_ascii_digit).count();
    let allowed = |c: char| c.is_ascii_digit() || " +-.()/".contains(c) || c.is_alphabetic();
    if digits < 3 || !v.chars().all(allowed) {
        return Err(ValidationError::new("phone", format!("\"{v}\" is not a phone number")));
    }
    Ok(())
}

fn tags(list: &[String]) -> Check {
    for t in list {
        if t.is_empty() || t.contains(char::is_whitespace) || t.contains(',') {
            return Err(ValidationError::new(
                "tags",
                format!("tag \"{t}\" may not be empty or contain spaces or commas"),
            ));
        }
    }
    Ok(())
}

fn login(value: &str) -> Check {
    if value.is_empty() || !value.chars().all(|c| c.is_alphanumeric() || "._-".contains(c)) {
        return Err(ValidationError::new("login", format!("\"{value}\" is not a login (letters, digits, . _ -)")));
    }
    Ok(())
}

/// Checks one record on its own.
pub fn record(r: &Record, pipeline: &Pipeline) -> Check {
    match r {
        Record::Contact(c) => {
            required("name", &c.name, "a contact's name")?;
            c.emails.iter().try_for_each(|e| email(&e.value))?;
            c.phones.iter().try_for_each(|p| phone(&p.value))?;
            tags(&c.tags)?;
            if c.cadence_days == Some(0) {
                return Err(ValidationError::new("cadence", "a follow-up cadence must be at least 1 day"));
            }
            owner(&c.owner)
        }
        Record::Company(c) => {
            required("name", &c.name, "a company's name")?;
            tags(&c.tags)?;
            owner(&c.owner)
        }
        Record::Deal(d) => {
            required("title", &d.title, "a deal's title")?;
            if d.value.minor < 0 {
                return Err(ValidationError::new("value", format!("a deal's value cannot be negative ({})", d.value)));
            }
            if pipeline.get(&d.stage).is_none() {
                let names: Vec<&str> = pipeline.stages.iter().map(|s| s.name.as_str()).collect();
                return Err(ValidationError::new(
                    "stage",
                    format!("unknown stage \"{}\"; stages are: {}", d.stage, names.join(", ")),
                ));
            }
            if let Some(p) = d.probability {
                if p > 100 {
                    return Err(ValidationError::new("probability", format!("{p}% is over 100%")));
                }
            }
            owner(&d.owner)
        }
        Record::Activity(a) => {
            required("summary", &a.summary, "an activity's summary")?;
            if a.contact.is_none() && a.company.is_none() && a.deal.is_none() {
                return Err(ValidationError::new(
                    "contact",
                    "an activity must be about a contact, a company or a deal",
                ));
            }
            owner(&a.author)
        }
        Record::Task(t) => {
            required("title", &t.title, "a task's title")?;
            owner(&t.assignee)
        }
        Record::User(u) => {
            login(&u.login)?;
            Ok(())
        }
    }
}

fn owner(value: &str) -> Check {
    login(value).map_err(|e| ValidationError::new("owner", e.message))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Money;

    fn contact(name: &str) -> Contact {
        Contact { name: name.into(), owner: "ann".into(), ..Contact::default() }
    }

    #[test]
    fn emails() {
        assert!(email("a@b.io").is_ok());
        assert!(email("anna.müller@firma.de").is_ok());
        assert!(email("nope").unwrap_err().message.contains("has no @"));
        assert!(email("a@b").unwrap_err().message.contains("not a domain"));
        assert!(email("a b@c.io").unwrap_err().message.contains("space"));
        assert!(email("@c.io").unwrap_err().message.contains("nothing before"));
    }

    #[test]
    fn phones() {
        assert!(phone("+33 6 12 34 56 78").is_ok());
        assert!(phone("(030) 1234-567").is_ok());
        assert!(phone("12").is_err());
        assert!(phone("call me!").is_err());
    }

    #[test]
    fn records() {
        let p = Pipeline::default();
        assert!(record(&Record::Contact(contact("Ann")), &p).is_ok());
        let e = record(&Record::Contact(contact("  ")), &p).unwrap_err();
        assert_eq!(e.to_string(), "name: a contact's name cannot be empty");
        let mut d = Deal { title: "Big".into(), stage: "proposal".into(), owner: "ann".into(), ..Deal::default() };
        assert!(record(&Record::Deal(d.clone()), &p).is_ok());
        d.value = Money::new(-1, Default::default());
        assert_eq!(record(&Record::Deal(d.clone()), &p).unwrap_err().field, "value");
        d.value.minor = 5;
        d.stage = "closing".into();
        let e = record(&Record::Deal(d), &p).unwrap_err();
        assert!(e.message.contains("unknown stage \"closing\""), "{e}");
        let a = Activity { summary: "hi".into(), author: "ann".into(), ..Activity::default() };
        assert_eq!(record(&Record::Activity(a), &p).unwrap_err().field, "contact");
    }
}
