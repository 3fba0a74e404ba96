//! HTTP Digest authentication towards the trunk (RFC 3261 §22, RFC 2617, RFC 8760): most SIP trunks challenge an
//! INVITE with 401 (`WWW-Authenticate`) or 407 (`Proxy-Authenticate`), and the gateway answers the challenge with
//! the `[sip]` `username` and `password` by sending the INVITE again with `Authorization` or
//! `Proxy-Authorization`.
//!
//! Supported: algorithms `MD5` (the default when none is named) and `SHA-256`, `qop` absent or `auth` (with a
//! client nonce and nonce count 1, as each challenge is answered once). Not supported, so the call fails as the
//! challenge's response code says: `auth-int`, the `-sess` algorithms, and challenges with no usable scheme.

use aws_lc_rs::digest;
use md5::{Digest as _, Md5};

/// A Digest challenge (the value of `WWW-Authenticate` / `Proxy-Authenticate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: Algorithm,
    /// `qop=auth` offered (else the RFC 2069 form).
    pub qop_auth: bool,
    /// `stale=true`: the nonce expired, the credentials were right.
    pub stale: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    fn hex(self, text: &str) -> String {
        let bytes: Vec<u8> = match self {
            Algorithm::Md5 => Md5::digest(text.as_bytes()).to_vec(),
            Algorithm::Sha256 => digest::digest(&digest::SHA256, text.as_bytes()).as_ref().to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Challenge {
    /// Parses `Digest k=v, k="v", …`; `None` for another scheme, a missing realm or nonce, or what is not
    /// supported (see the module docs).
    pub fn parse(value: &str) -> Option<Challenge> {
        let (scheme, params) = value.trim().split_once(char::is_whitespace)?;
        if !scheme.eq_ignore_ascii_case("Digest") {
            return None;
        }
        let mut realm = None;
        let mut nonce = None;
        let mut opaque = None;
        let mut algorithm = Algorithm::Md5;
        let mut qop_auth = false;
        let mut qop_offered = false;
        let mut stale = false;
        for (key, value) in params_of(params)? {
            match key.to_ascii_lowercase().as_str() {
                "realm" => realm = Some(value),
                "nonce" => nonce = Some(value),
                "opaque" => opaque = Some(value),
                "algorithm" if value.eq_ignore_ascii_case("MD5") => algorithm = Algorithm::Md5,
                "algorithm" if value.eq_ignore_ascii_case("SHA-256") => algorithm = Algorithm::Sha256,
                "algorithm" => return None,
                "qop" => {
                    qop_offered = true;
                    qop_auth = value.split(',').any(|q| q.trim().eq_ignore_ascii_case("auth"));
                }
                "stale" => stale = value.eq_ignore_ascii_case("true"),
                _ => {}
            }
        }
        if qop_offered && !qop_auth {
            return None; // auth-int only
        }
        Some(Challenge { realm: realm?, nonce: nonce?, opaque, algorithm, qop_auth, stale })
    }

    /// The `Authorization` / `Proxy-Authorization` value for `method` on `uri`; `cnonce` is the client nonce
    /// (random per answer).
    pub fn answer(&self, method: &str, uri: &str, username: &str, password: &str, cnonce: &str) -> String {
        let a = self.algorithm;
        let ha1 = a.hex(&format!("{username}:{}:{password}", self.realm));
        let ha2 = a.hex(&format!("{method}:{uri}"));
        let nc = "00000001";
        let response = if self.qop_auth {
            a.hex(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce))
        } else {
            a.hex(&format!("{ha1}:{}:{ha2}", self.nonce))
        };
        let mut out = format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{response}\", algorithm={}",
            quoted(username),
            quoted(&self.realm),
            quoted(&self.nonce),
            a.name()
        );
        if self.qop_auth {
            out.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
        }
        if let Some(opaque) = &self.opaque {
            out.push_str(&format!(", opaque=\"{}\"", quoted(opaque)));
        }
        out
    }
}

/// The challenge's header and the answer's for a 401 (a user agent's challenge) or a 407 (a proxy's).
pub fn headers_for(code: u16) -> (&'static str, &'static str) {
    match code {
        401 => ("WWW-Authenticate", "Authorization"),
        _ => ("Proxy-Authenticate", "Proxy-Authorization"),
    }
}

/// Escapes `"` and `\` for a quoted-string.
fn quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `k=v, k="v, with commas", …` → pairs; `None` when malformed.
fn params_of(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let key = key.trim().to_owned();
        let after = after.trim_start();
        let (value, tail) = if let Some(inner) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = inner.char_indices();
            let mut end = None;
            while let Some((i, ch)) = chars.next() {
                match ch {
                    '\\' => value.extend(chars.next().map(|(_, c)| c)),
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, inner.get(end?..)?)
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_owned(), &after[end..])
        };
        if key.is_empty() {
            return None;
        }
        out.push((key, value));
        let tail = tail.trim_start();
        rest = match tail.strip_prefix(',') {
            Some(t) => t.trim_start(),
            None if tail.is_empty() => tail,
            None => return None,
        };
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2617 §3.5's example (an HTTP GET, the same computation SIP uses).
    #[test]
    fn the_rfc_2617_example() {
        let c = Challenge::parse(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        )
        .unwrap();
        assert_eq!((c.algorithm, c.qop_auth, c.stale), (Algorithm::Md5, true, false));
        let answer = c.answer("GET", "/dir/index.html", "Mufasa", "Circle Of Life", "0a4f113b");
        assert!(answer.contains(r#"response="6629fae49393a05397450978507c4ef1""#), "{answer}");
        assert!(answer.contains(r#"opaque="5ccc069c403ebaf9f0171e9517f40e41""#));
        assert!(answer.contains("qop=auth, nc=00000001, cnonce=\"0a4f113b\""));
    }

    /// RFC 7616 §3.9.1's SHA-256 example (qop=auth).
    #[test]
    fn the_rfc_7616_sha256_example() {
        let c = Challenge::parse(
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#,
        )
        .unwrap();
        assert_eq!(c.algorithm, Algorithm::Sha256);
        let answer = c.answer(
            "GET",
            "/dir/index.html",
            "Mufasa",
            "Circle of Life",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        );
        assert!(
            answer.contains(r#"response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1""#),
            "{answer}"
        );
    }

    #[test]
    fn without_qop_the_rfc_2069_form_is_used() {
        let c = Challenge::parse(r#"Digest realm="sip.example.org", nonce="abc", stale=TRUE"#).unwrap();
        assert!(!c.qop_auth && c.stale);
        let answer = c.answer("INVITE", "sip:+84901234567@sip.example.org", "alice", "secret", "unused");
        let ha1 = Algorithm::Md5.hex("alice:sip.example.org:secret");
        let ha2 = Algorithm::Md5.hex("INVITE:sip:+84901234567@sip.example.org");
        let expected = Algorithm::Md5.hex(&format!("{ha1}:abc:{ha2}"));
        assert!(answer.contains(&format!("response=\"{expected}\"")), "{answer}");
        assert!(!answer.contains("qop") && !answer.contains("opaque"));
    }

    #[test]
    fn a_proxy_is_answered_in_proxy_authorization() {
        assert_eq!(headers_for(401), ("WWW-Authenticate", "Authorization"));
        assert_eq!(headers_for(407), ("Proxy-Authenticate", "Proxy-Authorization"));
    }

    #[test]
    fn unusable_challenges_are_refused() {
        for bad in [
            r#"Basic realm="x""#,
            r#"Digest nonce="n""#,
            r#"Digest realm="r""#,
            r#"Digest realm="r", nonce="n", algorithm=MD5-sess"#,
            r#"Digest realm="r", nonce="n", qop="auth-int""#,
            r#"Digest realm="r, nonce="n""#,
            r#"Digest realm="r" nonce="n""#,
            "Digest",
            "",
        ] {
            assert_eq!(Challenge::parse(bad), None, "{bad}");
        }
        let quoted = Challenge::parse(r#"Digest realm="a \"b\", c", nonce=n1"#).unwrap();
        assert_eq!((quoted.realm.as_str(), quoted.nonce.as_str()), ("a \"b\", c", "n1"));
    }
}
