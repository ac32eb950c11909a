//! Where the team server may listen. Tokens and client data must not cross a network in clear
//! text: a loopback address may be plain HTTP (the same machine, or a TLS proxy in front of
//! crm), anything else needs `--tls-cert` and `--tls-key`.

use std::net::{SocketAddr, ToSocketAddrs};

/// Resolves `--listen` (`127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`, `0.0.0.0:8443`).
pub fn resolve(text: &str) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| format!("--listen {text}: not an address and port (like 127.0.0.1:8080): {e}"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("--listen {text}: the name resolves to no address"));
    }
    Ok(addrs)
}

/// Refuses a non-loopback address without TLS, saying why and what to do instead.
pub fn check_policy(text: &str, addrs: &[SocketAddr], tls: bool) -> Result<(), String> {
    if tls {
        return Ok(());
    }
    match addrs.iter().find(|a| !a.ip().is_loopback()) {
        None => Ok(()),
        Some(public) => Err(format!(
            "refusing to listen on {text} ({public}) in clear text: tokens and customer data would cross \
             the network unencrypted. Give the server a certificate (--tls-cert cert.pem --tls-key key.pem), \
             or listen on a loopback address (127.0.0.1:PORT) behind a TLS proxy"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_may_be_plain_anything_else_needs_tls() {
        for ok in ["127.0.0.1:8080", "[::1]:0", "127.1.2.3:9"] {
            let a = resolve(ok).unwrap();
            assert!(check_policy(ok, &a, false).is_ok(), "{ok}");
        }
        for public in ["0.0.0.0:8080", "[::]:8080", "192.0.2.10:443"] {
            let a = resolve(public).unwrap();
            let err = check_policy(public, &a, false).unwrap_err();
            assert!(err.contains("refusing to listen") && err.contains("--tls-cert"), "{err}");
            assert!(check_policy(public, &a, true).is_ok());
        }
        assert!(resolve("8080").unwrap_err().contains("not an address"));
    }
}
