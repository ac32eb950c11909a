//! Money: integer minor units plus an ISO 4217 currency code. Never floats.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A three-letter ISO currency code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const EUR: Currency = Currency(*b"EUR");
    pub const USD: Currency = Currency(*b"USD");

    /// Parses a code such as `eur` or `USD`.
    pub fn parse(code: &str) -> Result<Currency, String> {
        let c = code.trim();
        let b = c.as_bytes();
        if b.len() == 3 && b.iter().all(u8::is_ascii_alphabetic) {
            Ok(Currency([b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase(), b[2].to_ascii_uppercase()]))
        } else {
            Err(format!("\"{c}\" is not a currency code (three letters, like EUR or USD)"))
        }
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Minor units per major unit: 2 decimals except for the few currencies without cents.
    pub fn decimals(&self) -> u32 {
        match self.code() {
            "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "HUF" | "XOF" | "XAF" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
            _ => 2,
        }
    }

    fn symbol(&self) -> Option<&'static str> {
        match self.code() {
            "EUR" => Some("€"),
            "USD" => Some("$"),
            "GBP" => Some("£"),
            "JPY" => Some("¥"),
            _ => None,
        }
    }
}

impl Default for Currency {
    fn default() -> Self {
        Currency::EUR
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount of money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units (cents for EUR).
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// Parses what people type: `12500`, `12,500.50`, `12500 EUR`, `€12.5k`, `USD 300`, `1.2m`.
    /// Without a currency code or symbol, `default` is used.
    pub fn parse(input: &str, default: Currency) -> Result<Money, String> {
        let text = input.trim();
        let bad = |why: &str| format!("\"{text}\" is not an amount of money: {why}");
        if text.is_empty() {
            return Err(bad("it is empty"));
        }
        let mut currency = None;
        let mut rest = text.to_string();
        for (sym, cur) in [("€", "EUR"), ("$", "USD"), ("£", "GBP"), ("¥", "JPY")] {
            if rest.contains(sym) {
                rest = rest.replace(sym, " ");
                currency = Some(Currency::parse(cur)?);
            }
        }
        let mut number = String::new();
        for word in rest.split_whitespace() {
            if word.len() == 3 && word.chars().all(|c| c.is_ascii_alphabetic()) {
                if currency.is_some() {
                    return Err(bad("it names two currencies"));
                }
                currency = Some(Currency::parse(word)?);
            } else {
                number.push_str(word);
            }
        }
        let currency = currency.unwrap_or(default);
        let negative = number.starts_with('-');
        let mut digits = number.trim_start_matches(['-', '+']).replace([',', '_', '\''], "");
        let mut scale: i64 = 1;
        if let Some(last) = digits.chars().last() {
            match last.to_ascii_lowercase() {
                'k' => scale = 1_000,
                'm' => scale = 1_000_000,
                _ => {}
            }
            if scale > 1 {
                digits.pop();
            }
        }
        if digits.is_empty() {
            return Err(bad("no number in it"));
        }
        let (whole, frac) = match digits.split_once('.') {
            Some((w, f)) => (w, f),
            None => (digits.as_str(), ""),
        };
        if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad("use digits, with an optional decimal point, like 12500.50"));
        }
        let dec = currency.decimals();
        // Exact decimal arithmetic: scale the fractional part into minor units, no floats.
        let unit = 10i128.pow(dec);
        let whole_v: i128 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad("too large"))? };
        let frac_digits = frac.len() as u32;
        let frac_v: i128 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| bad("too large"))? };
        let total_num = (whole_v * 10i128.pow(frac_digits) + frac_v) * unit * scale as i128;
        let denom = 10i128.pow(frac_digits);
        if total_num % denom != 0 {
            return Err(bad(&format!("{currency} has {dec} decimal places")));
        }
        let minor = total_num / denom;
        let minor = i64::try_from(minor).map_err(|_| bad("too large"))?;
        Ok(Money { minor: if negative { -minor } else { minor }, currency })
    }

    /// The amount as a decimal string without grouping (`12500.50`), for CSV and JSON.
    pub fn plain(&self) -> String {
        let dec = self.currency.decimals();
        if dec == 0 {
            return self.minor.to_string();
        }
        let unit = 10i64.pow(dec);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:0width$}", abs / unit as u64, abs % unit as u64, width = dec as usize)
    }

    /// Applies a percentage, rounding half away from zero (weighted pipeline values).
    pub fn percent(&self, pct: u8) -> Money {
        let v = self.minor as i128 * pct as i128;
        let rounded = if v >= 0 { (v + 50) / 100 } else { (v - 50) / 100 };
        Money { minor: rounded as i64, currency: self.currency }
    }
}

impl fmt::Display for Money {
    /// `€12,500.50`, `12,500 JPY`-style grouping, for people.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.plain();
        let (sign, body) = match plain.strip_prefix('-') {
            Some(b) => ("-", b),
            None => ("", plain.as_str()),
        };
        let (whole, frac) = match body.split_once('.') {
            Some((w, fr)) => (w, Some(fr)),
            None => (body, None),
        };
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if let Some(fr) = frac {
            if fr.chars().any(|c| c != '0') {
                grouped.push('.');
                grouped.push_str(fr);
            }
        }
        match self.currency.symbol() {
            Some(sym) => write!(f, "{sign}{sym}{grouped}"),
            None => write!(f, "{sign}{grouped} {}", self.currency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eur(minor: i64) -> Money {
        Money::new(minor, Currency::EUR)
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(Money::parse("12500", Currency::EUR), Ok(eur(1_250_000)));
        assert_eq!(Money::parse("12,500.50", Currency::EUR), Ok(eur(1_250_050)));
        assert_eq!(Money::parse("€12.5k", Currency::USD), Ok(eur(1_250_000)));
        assert_eq!(Money::parse("300 usd", Currency::EUR), Ok(Money::new(30_000, Currency::USD)));
        assert_eq!(Money::parse("JPY 1000", Currency::EUR), Ok(Money::new(1000, Currency::parse("JPY").unwrap())));
        assert_eq!(Money::parse("-5", Currency::EUR), Ok(eur(-500)));
        assert!(Money::parse("12.345", Currency::EUR).unwrap_err().contains("2 decimal places"));
        assert!(Money::parse("abc", Currency::EUR).is_err());
        assert!(Money::parse("", Currency::EUR).is_err());
        assert!(Money::parse("5 EUR USD", Currency::EUR).unwrap_err().contains("two currencies"));
    }

    #[test]
    fn shows_grouped_with_symbol() {
        assert_eq!(eur(1_250_050).to_string(), "€12,500.50");
        assert_eq!(eur(1_250_000).to_string(), "€12,500");
        assert_eq!(Money::new(99, Currency::parse("CHF").unwrap()).to_string(), "0.99 CHF");
        assert_eq!(eur(-100).to_string(), "-€1");
        assert_eq!(eur(1_250_050).plain(), "12500.50");
    }

    #[test]
    fn percent_rounds_half_away_from_zero() {
        assert_eq!(eur(1001).percent(50).minor, 501);
        assert_eq!(eur(-1001).percent(50).minor, -501);
        assert_eq!(eur(10_000).percent(25).minor, 2_500);
    }
}
