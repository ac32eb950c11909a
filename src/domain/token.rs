//! Personal access tokens: their text form and how they are kept (a salted SHA-256, never the
//! token itself). Random bytes come from the caller, so everything here is pure.
//!
//! A token reads `crm_<login>_<64 hex digits>`: the login lets a server find the one user to
//! check (and say "revoked" or "disabled" rather than "unknown"); the 256 random bits are the
//! secret. With that much entropy a fast hash is enough (nothing to brute-force as with a
//! password), so checking a request costs one SHA-256, not a deliberately slow KDF.

use super::time::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Bytes of randomness in a token.
pub const SECRET_LEN: usize = 32;
/// Bytes of salt mixed into its hash.
pub const SALT_LEN: usize = 16;
const PREFIX: &str = "crm_";

/// What the database keeps of a user's token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TokenHash {
    pub salt: [u8; SALT_LEN],
    /// SHA-256 of salt ‖ token text.
    pub hash: [u8; 32],
    pub issued: Timestamp,
    /// When it was revoked; a revoked token is kept so that using it says so.
    pub revoked: Option<Timestamp>,
}

impl TokenHash {
    /// The token's dates without its salt and hash: what may leave the database (to show
    /// whether a user has a token), never enough to try tokens against.
    pub fn redacted(&self) -> TokenHash {
        TokenHash { salt: [0; SALT_LEN], hash: [0; 32], issued: self.issued, revoked: self.revoked }
    }
}

impl TokenHash {
    /// The hash of a new token (`text`, as [`format`] made it) with its salt.
    pub fn new(text: &str, salt: [u8; SALT_LEN], issued: Timestamp) -> TokenHash {
        TokenHash { salt, hash: digest(&salt, text), issued, revoked: None }
    }

    /// Whether `text` is this token, compared in constant time.
    pub fn matches(&self, text: &str) -> bool {
        constant_time_eq(&self.hash, &digest(&self.salt, text))
    }
}

fn digest(salt: &[u8], text: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(text.as_bytes());
    h.finalize().into()
}

/// Equal bytes, in a time that does not depend on where they first differ.
pub fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let diff = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// The text of a token for `login` with `secret` random bytes.
pub fn format(login: &str, secret: &[u8; SECRET_LEN]) -> String {
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    format!("{PREFIX}{login}_{hex}")
}

/// The login a token names, if it has the shape of one.
pub fn login_of(text: &str) -> Option<&str> {
    let rest = text.trim().strip_prefix(PREFIX)?;
    let (login, hex) = rest.rsplit_once('_')?;
    let well_formed = !login.is_empty()
        && hex.len() == SECRET_LEN * 2
        && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    well_formed.then_some(login)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_user_and_matches_only_itself() {
        let text = format("olek_b", &[7; SECRET_LEN]);
        assert!(text.starts_with("crm_olek_b_0707"), "{text}");
        assert_eq!(login_of(&text), Some("olek_b"));
        assert_eq!(login_of("crm_olek_0707"), None, "too short");
        assert_eq!(login_of("olek_0707"), None);
        let kept = TokenHash::new(&text, [1; SALT_LEN], Timestamp(0));
        assert!(kept.matches(&text));
        let other = format("olek_b", &[8; SECRET_LEN]);
        assert!(!kept.matches(&other));
        // The same token under another salt hashes differently.
        assert_ne!(kept.hash, TokenHash::new(&text, [2; SALT_LEN], Timestamp(0)).hash);
    }

    #[test]
    fn constant_time_comparison_is_equality() {
        let a = [3u8; 32];
        let mut b = a;
        assert!(constant_time_eq(&a, &b));
        b[31] ^= 1;
        assert!(!constant_time_eq(&a, &b));
    }
}
