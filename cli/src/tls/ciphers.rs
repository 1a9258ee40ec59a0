//! OpenSSL cipher strings (`--tls-ciphers`, `--tls-ciphersuites`) mapped onto the suites
//! rustls implements.
//!
//! `--tls-ciphers` takes OpenSSL's TLS 1.2 cipher-list grammar: words separated by `:`,
//! `,`, `;` or blanks; each word a cipher name or an alias (`HIGH`, `ECDHE`, `aRSA`,
//! `AESGCM`...), several joined by `+` meaning "all of them"; a leading `!` removes for
//! good, `-` removes, `+` moves to the end; `@STRENGTH`-style directives are ignored.
//! OpenSSL refuses a list that selects nothing; here a list that selects none of the six
//! TLS 1.2 suites rustls has is refused the same way (so a list naming only, say, CBC
//! suites, which OpenSSL accepts, is refused).
//!
//! `--tls-ciphersuites` takes TLS 1.3 names separated by `:`; unknown names are skipped,
//! and a list with no known name is refused, as OpenSSL 3.0 does. An empty list turns
//! TLS 1.3 off. Names OpenSSL knows but rustls does not implement (the CCM suites) count
//! as known but select nothing.
//!
//! This module only chooses suites; it does not build the TLS configuration.

use rustls::SupportedCipherSuite;
use rustls::crypto::ring::cipher_suite as suite;

/// The bulk cipher of a TLS 1.2 suite, for the aliases that select by it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bulk {
    Aes128Gcm,
    Aes256Gcm,
    Chacha20,
}

/// A TLS 1.2 suite rustls implements, with what OpenSSL's aliases look at.
struct Tls12 {
    name: &'static str,
    suite: SupportedCipherSuite,
    ecdsa: bool,
    bulk: Bulk,
}

/// In OpenSSL's default order.
const TLS12: [Tls12; 6] = [
    Tls12 {
        name: "ECDHE-ECDSA-AES256-GCM-SHA384",
        suite: suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        ecdsa: true,
        bulk: Bulk::Aes256Gcm,
    },
    Tls12 {
        name: "ECDHE-RSA-AES256-GCM-SHA384",
        suite: suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ecdsa: false,
        bulk: Bulk::Aes256Gcm,
    },
    Tls12 {
        name: "ECDHE-ECDSA-CHACHA20-POLY1305",
        suite: suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        ecdsa: true,
        bulk: Bulk::Chacha20,
    },
    Tls12 {
        name: "ECDHE-RSA-CHACHA20-POLY1305",
        suite: suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ecdsa: false,
        bulk: Bulk::Chacha20,
    },
    Tls12 {
        name: "ECDHE-ECDSA-AES128-GCM-SHA256",
        suite: suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        ecdsa: true,
        bulk: Bulk::Aes128Gcm,
    },
    Tls12 {
        name: "ECDHE-RSA-AES128-GCM-SHA256",
        suite: suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ecdsa: false,
        bulk: Bulk::Aes128Gcm,
    },
];

/// Whether one word (no `+`, no prefix) selects this suite. Words OpenSSL knows but that
/// select only suites rustls lacks (`kRSA`, `CAMELLIA`, `AES128-SHA`...) select nothing.
fn selects(word: &str, s: &Tls12) -> bool {
    let aes = matches!(s.bulk, Bulk::Aes128Gcm | Bulk::Aes256Gcm);
    match word {
        "ALL" | "DEFAULT" | "HIGH" | "TLSv1.2" | "ECDHE" | "EECDH" | "kECDHE" | "kEECDH"
        | "ECDH" => true,
        "aRSA" => !s.ecdsa,
        "aECDSA" | "ECDSA" => s.ecdsa,
        "AES" | "AESGCM" | "FIPS" => aes,
        "AES128" => s.bulk == Bulk::Aes128Gcm,
        "AES256" => s.bulk == Bulk::Aes256Gcm,
        "CHACHA20" => s.bulk == Bulk::Chacha20,
        "SUITEB128" => s.ecdsa && aes,
        "SUITEB128ONLY" => s.ecdsa && s.bulk == Bulk::Aes128Gcm,
        "SUITEB192" => s.ecdsa && s.bulk == Bulk::Aes256Gcm,
        name => name == s.name,
    }
}

/// The TLS 1.2 suites a `--tls-ciphers` list selects, in order; `None` when it selects none.
pub fn tls12(list: &str) -> Option<Vec<SupportedCipherSuite>> {
    // Indexes into TLS12, in preference order.
    let mut chosen: Vec<usize> = Vec::new();
    let mut banned = [false; TLS12.len()];
    let words = list
        .split([':', ',', ';', ' '])
        .filter(|word| !word.is_empty());
    for word in words {
        let (op, body) = match word.split_at_checked(1) {
            Some((op @ ("!" | "-" | "+"), body)) => (op, body),
            _ => ("", word),
        };
        if body.starts_with('@') {
            continue;
        }
        let matching = TLS12.iter().enumerate().filter(|(_, s)| {
            body.split('+')
                .all(|part| !part.is_empty() && selects(part, s))
        });
        let matching: Vec<usize> = matching.map(|(i, _)| i).collect();
        match op {
            "!" => {
                for &i in &matching {
                    if let Some(flag) = banned.get_mut(i) {
                        *flag = true;
                    }
                }
                chosen.retain(|i| !matching.contains(i));
            }
            "-" => chosen.retain(|i| !matching.contains(i)),
            "+" => {
                let (moved, kept): (Vec<usize>, Vec<usize>) =
                    chosen.iter().partition(|i| matching.contains(i));
                chosen = kept;
                chosen.extend(moved);
            }
            _ => {
                for i in matching {
                    if !chosen.contains(&i) && !banned.get(i).copied().unwrap_or(true) {
                        chosen.push(i);
                    }
                }
            }
        }
    }
    let suites: Vec<SupportedCipherSuite> = chosen
        .iter()
        .filter_map(|&i| TLS12.get(i).map(|s| s.suite))
        .collect();
    (!suites.is_empty()).then_some(suites)
}

/// The TLS 1.3 suites a `--tls-ciphersuites` list selects, in order; `None` when no name in
/// a non-empty list is known (an empty list selects no suite: TLS 1.3 is off).
pub fn tls13(list: &str) -> Option<Vec<SupportedCipherSuite>> {
    if list.is_empty() {
        return Some(Vec::new());
    }
    let mut known = false;
    let mut suites = Vec::new();
    for name in list.split(':') {
        let found = match name {
            "TLS_AES_256_GCM_SHA384" => Some(suite::TLS13_AES_256_GCM_SHA384),
            "TLS_CHACHA20_POLY1305_SHA256" => Some(suite::TLS13_CHACHA20_POLY1305_SHA256),
            "TLS_AES_128_GCM_SHA256" => Some(suite::TLS13_AES_128_GCM_SHA256),
            "TLS_AES_128_CCM_SHA256" | "TLS_AES_128_CCM_8_SHA256" => {
                known = true;
                None
            }
            _ => None,
        };
        if let Some(found) = found {
            known = true;
            if !suites.contains(&found) {
                suites.push(found);
            }
        }
    }
    known.then_some(suites)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(suites: &[SupportedCipherSuite]) -> Vec<String> {
        suites.iter().map(|s| format!("{:?}", s.suite())).collect()
    }

    #[test]
    fn tls12_lists_as_openssl_reads_them() {
        assert!(tls12("FOO").is_none());
        assert!(tls12("").is_none());
        assert!(tls12("!ECDHE-RSA-AES128-GCM-SHA256").is_none());
        assert!(tls12("@STRENGTH").is_none());
        assert!(tls12("ecdhe-rsa-aes128-gcm-sha256").is_none());
        assert_eq!(tls12("HIGH").map(|s| s.len()), Some(6));
        assert_eq!(tls12("ECDHE+AESGCM").map(|s| s.len()), Some(4));
        assert_eq!(tls12("aRSA:!CHACHA20").map(|s| s.len()), Some(2));
        let list = tls12("FOO:ECDHE-RSA-AES256-GCM-SHA384,ECDHE-RSA-AES128-GCM-SHA256");
        assert_eq!(
            names(&list.unwrap_or_default()),
            [
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
            ]
        );
        let moved = tls12("AESGCM+aRSA:+AES256");
        assert_eq!(
            names(&moved.unwrap_or_default()),
            [
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
            ]
        );
        assert_eq!(tls12("!AES128:HIGH").map(|s| s.len()), Some(4));
        assert_eq!(tls12("-AES128:HIGH").map(|s| s.len()), Some(6));
    }

    #[test]
    fn tls13_lists_as_openssl_reads_them() {
        assert!(tls13("FOO").is_none());
        assert!(tls13(":").is_none());
        assert!(tls13("tls_aes_128_gcm_sha256").is_none());
        assert!(tls13("TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384").is_none());
        assert_eq!(tls13("").map(|s| s.len()), Some(0));
        assert_eq!(tls13("TLS_AES_128_CCM_SHA256").map(|s| s.len()), Some(0));
        assert_eq!(
            tls13(":TLS_AES_128_GCM_SHA256:FOO").map(|s| s.len()),
            Some(1)
        );
    }
}
