//! Parameter validation with the original's rules and texts (PROTOCOL.md §3.0, D10).
//!
//! The original validates the JavaScript options object with a small rule engine. Each rule checks, in this order:
//! *required* (a value is missing when it is `undefined`, `null`, `''` or `NaN`; `0` and `false` are values),
//! then — only if a value is present — *notEqual*, *in* (strict equality against a list), *notEmpty* (arrays) and
//! *type*. The first failure gives `{code: 'ERR_UNEXPECTED_SEND_DATA', message}` with the templates below. Because
//! *in* runs before *type*, `chatType: '1'` reports `chatType must be only 1, 2`, not a type error; the engine keeps
//! that order so every message matches.
//!
//! Values are read from JSON ([`serde_json::Value`]) because that is what crosses the FFI; the typed API's option
//! structs are built only after validation passed.

use azstack_protocol::errors::{ApiError, ErrorCode};
use serde_json::Value;

/// A type a rule can require.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    String,
    Number,
    Boolean,
    PhoneNumber,
    Url,
    Array,
    Object,
}

/// A validation error (`ERR_UNEXPECTED_SEND_DATA`).
pub fn send_data_error(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::UnexpectedSendData, message)
}

/// "No value" as the original's validator sees it.
pub fn is_missing(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        _ => false,
    }
}

/// The options object, or `Missing <what> params` when it is not a non-null object (`typeof === 'object'`, so an
/// array passes, as in the original).
pub fn options<'a>(params: &'a Value, missing_text: &str) -> Result<&'a Value, ApiError> {
    match params {
        Value::Object(_) | Value::Array(_) => Ok(params),
        _ => Err(send_data_error(missing_text)),
    }
}

/// How JavaScript prints a value in a template (`String(v)`): numbers without a trailing `.0`, strings bare.
pub fn js_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e21 => format!("{}", f as i64),
            Some(f) => format!("{f}"),
            None => n.to_string(),
        },
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => items.iter().map(js_string).collect::<Vec<_>>().join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

/// Strict equality (`===`) for JSON values; numbers compare by value.
fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        _ => false, // objects and arrays are compared by identity in JavaScript
    }
}

/// One rule on one field: `Rule::new("chatType", opts.get("chatType")).required().one_of(&[1, 2]).kind(Kind::Number)`.
#[must_use]
pub struct Rule<'a> {
    name: &'a str,
    value: Option<&'a Value>,
    required: bool,
    not_equal: Option<Value>,
    one_of: Option<Vec<Value>>,
    not_empty: bool,
    kind: Option<Kind>,
}

impl<'a> Rule<'a> {
    pub fn new(name: &'a str, value: Option<&'a Value>) -> Rule<'a> {
        Rule { name, value, required: false, not_equal: None, one_of: None, not_empty: false, kind: None }
    }

    /// The field `name` of `options`.
    pub fn field(options: &'a Value, name: &'a str) -> Rule<'a> {
        Rule::new(name, options.get(name))
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn not_equal(mut self, forbidden: impl Into<Value>) -> Self {
        self.not_equal = Some(forbidden.into());
        self
    }

    pub fn one_of<T: Into<Value> + Copy>(mut self, allowed: &[T]) -> Self {
        self.one_of = Some(allowed.iter().map(|v| (*v).into()).collect());
        self
    }

    pub fn not_empty(mut self) -> Self {
        self.not_empty = true;
        self
    }

    pub fn kind(mut self, kind: Kind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// Runs the rule.
    pub fn check(self) -> Result<(), ApiError> {
        let name = self.name;
        let value = match self.value {
            v if is_missing(v) => {
                return if self.required { Err(send_data_error(format!("{name} is required"))) } else { Ok(()) };
            }
            Some(v) => v,
            None => return Ok(()),
        };
        if let Some(forbidden) = &self.not_equal
            && strict_eq(value, forbidden)
        {
            return Err(send_data_error(format!("{name} cannot has value {}", js_string(forbidden))));
        }
        if let Some(allowed) = &self.one_of
            && !allowed.iter().any(|a| strict_eq(value, a))
        {
            let list = allowed.iter().map(js_string).collect::<Vec<_>>().join(", ");
            return Err(send_data_error(format!("{name} must be only {list}")));
        }
        if self.not_empty && value.as_array().is_some_and(Vec::is_empty) {
            return Err(send_data_error(format!("{name} cannot be empty")));
        }
        if let Some(kind) = self.kind
            && !has_kind(value, kind)
        {
            let what = match kind {
                Kind::String => "string",
                Kind::Number => "number",
                Kind::Boolean => "boolean",
                Kind::PhoneNumber => "phone number string",
                Kind::Url => "url",
                Kind::Array => "an array",
                Kind::Object => "an object",
            };
            return Err(send_data_error(format!("{name} must be {what}")));
        }
        Ok(())
    }
}

fn has_kind(value: &Value, kind: Kind) -> bool {
    match kind {
        Kind::String => value.is_string(),
        Kind::Number => value.is_number(),
        Kind::Boolean => value.is_boolean(),
        Kind::PhoneNumber => value.as_str().is_some_and(is_phone_number),
        Kind::Url => value.as_str().is_some_and(is_url),
        Kind::Array => value.is_array(),
        Kind::Object => value.is_object() || value.is_array(),
    }
}

/// `^\+?\d+$`.
pub fn is_phone_number(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The original's URL test (the widely used "Diego Perini" pattern): `http`, `https`, `ftp` or scheme-relative
/// `//`; optional user info; a public IPv4 literal or a host name with a dotted alphabetic TLD of ≥ 2 letters (so
/// `localhost`, `10.x`, `127.x`, `169.254.x`, `172.16–31.x` and `192.168.x` fail); optional port of 2–5 digits;
/// optional path, query or fragment without whitespace.
pub fn is_url(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let rest = if let Some(r) = lower.strip_prefix("http://") {
        r
    } else if let Some(r) = lower.strip_prefix("https://") {
        r
    } else if let Some(r) = lower.strip_prefix("ftp://") {
        r
    } else if let Some(r) = lower.strip_prefix("//") {
        r
    } else {
        return false;
    };
    if rest.chars().any(char::is_whitespace) {
        return false;
    }
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, _tail) = rest.split_at(end);
    // Optional user info: everything up to the last '@'.
    let host_port = match authority.rfind('@') {
        Some(at) if at > 0 => &authority[at + 1..],
        Some(_) => return false,
        None => authority,
    };
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (host_port, None),
    };
    if let Some(p) = port
        && !((2..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return false;
    }
    is_public_ipv4(host) || is_dns_name(host)
}

fn is_public_ipv4(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() != 4 || parts.iter().any(|p| p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    if n.len() != 4 {
        return false;
    }
    let (a, b) = (n[0], n[1]);
    let private =
        a == 10 || a == 127 || (a == 169 && b == 254) || (a == 192 && b == 168) || (a == 172 && (16..=31).contains(&b));
    // First octet 1–223, middle octets 0–255, last octet 1–254.
    !private && (1..=223).contains(&a) && n[1] <= 255 && n[2] <= 255 && (1..=254).contains(&n[3])
}

fn is_dns_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let (tld, names) = labels.split_last().unwrap_or((&"", &[]));
    let letter = |c: char| c.is_ascii_lowercase() || c as u32 >= 0xa1;
    let alnum = |c: char| letter(c) || c.is_ascii_digit();
    let tld_ok = tld.chars().count() >= 2 && tld.chars().all(letter);
    let label_ok = |l: &&str| {
        let chars: Vec<char> = l.chars().collect();
        match chars.as_slice() {
            [] => false,
            [only] => alnum(*only),
            [first, middle @ .., last] => {
                chars.len() <= 64
                    && alnum(*first)
                    && alnum(*last)
                    && middle.iter().all(|c| alnum(*c) || *c == '_' || *c == '-')
            }
        }
    };
    tld_ok && names.iter().all(label_ok)
}

/// Checks that every element of the array at `name` is a number (`'<name> must contain all numbers'`).
pub fn all_numbers(options: &Value, name: &str) -> Result<(), ApiError> {
    match options.get(name).and_then(Value::as_array) {
        Some(items) if !items.iter().all(Value::is_number) => {
            Err(send_data_error(format!("{name} must contain all numbers")))
        }
        _ => Ok(()),
    }
}

/// Checks that every element of the array at `name` is a string (`'<name> must contain all strings'`).
pub fn all_strings(options: &Value, name: &str) -> Result<(), ApiError> {
    match options.get(name).and_then(Value::as_array) {
        Some(items) if !items.iter().all(Value::is_string) => {
            Err(send_data_error(format!("{name} must contain all strings")))
        }
        _ => Ok(()),
    }
}

/// An integer field that validation has already established is a number (fractions truncate like the server does).
pub fn int(options: &Value, name: &str) -> i64 {
    options.get(name).and_then(Value::as_f64).map(|f| f as i64).unwrap_or(0)
}

/// An optional integer field.
pub fn opt_int(options: &Value, name: &str) -> Option<i64> {
    options.get(name).filter(|v| !is_missing(Some(v))).and_then(Value::as_f64).map(|f| f as i64)
}

/// A string field that validation has already established.
pub fn string(options: &Value, name: &str) -> String {
    options.get(name).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// An array of integers that validation has already established.
pub fn int_list(options: &Value, name: &str) -> Vec<i64> {
    options
        .get(name)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_f64).map(|f| f as i64).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(r: Result<(), ApiError>) -> String {
        match r {
            Ok(()) => "ok".into(),
            Err(e) => {
                assert_eq!(e.code, ErrorCode::UnexpectedSendData);
                e.message
            }
        }
    }

    #[test]
    fn rule_order_and_texts() {
        let o = json!({"chatType": "1", "page": 0, "name": "", "ids": [], "flag": false, "n": 0, "s": 5});
        assert_eq!(
            msg(Rule::field(&o, "chatType").required().one_of(&[1, 2]).kind(Kind::Number).check()),
            "chatType must be only 1, 2"
        );
        assert_eq!(
            msg(Rule::field(&o, "page").required().not_equal(0).kind(Kind::Number).check()),
            "page cannot has value 0"
        );
        assert_eq!(msg(Rule::field(&o, "name").required().kind(Kind::String).check()), "name is required");
        assert_eq!(msg(Rule::field(&o, "missing").required().check()), "missing is required");
        assert_eq!(msg(Rule::field(&o, "missing").kind(Kind::Number).check()), "ok");
        assert_eq!(msg(Rule::field(&o, "ids").required().not_empty().kind(Kind::Array).check()), "ids cannot be empty");
        assert_eq!(msg(Rule::field(&o, "flag").required().kind(Kind::Boolean).check()), "ok");
        assert_eq!(msg(Rule::field(&o, "n").required().kind(Kind::Number).check()), "ok");
        assert_eq!(msg(Rule::field(&o, "s").required().kind(Kind::String).check()), "s must be string");
        assert_eq!(msg(Rule::field(&o, "s").kind(Kind::Object).check()), "s must be an object");
        assert_eq!(msg(Rule::field(&o, "s").kind(Kind::Array).check()), "s must be an array");
        assert_eq!(msg(Rule::field(&o, "s").kind(Kind::Url).check()), "s must be url");
        assert_eq!(msg(Rule::field(&o, "s").kind(Kind::PhoneNumber).check()), "s must be phone number string");
        let o = json!({"newName": "0"});
        assert_eq!(msg(Rule::field(&o, "newName").required().not_equal("0").check()), "newName cannot has value 0");
        let o = json!({"type": 11});
        assert_eq!(
            msg(Rule::field(&o, "type").one_of(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).check()),
            "type must be only 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10"
        );
    }

    #[test]
    fn options_must_be_objects() {
        assert!(options(&json!({}), "Missing x params").is_ok());
        assert!(options(&json!([]), "Missing x params").is_ok());
        assert_eq!(options(&json!(null), "Missing x params").unwrap_err().message, "Missing x params");
        assert!(options(&json!("s"), "Missing x params").is_err());
    }

    #[test]
    fn urls_like_the_original() {
        for ok in [
            "http://example.com",
            "https://cdn.example.com:8443/a/b.png?x=1#y",
            "//example.com/x",
            "ftp://user:pw@files.example.org/f",
            "http://8.8.8.8/x",
            "https://xn--bcher-kva.example/",
        ] {
            assert!(is_url(ok), "{ok}");
        }
        for bad in [
            "example.com",
            "http://localhost:3000/x",
            "http://127.0.0.1/x",
            "http://10.0.0.1",
            "http://192.168.1.2",
            "http://172.20.0.1",
            "http://169.254.1.1",
            "http://a b.com",
            "http://example",
            "mailto:x@y.z",
            "http://example.c0m",
            "http://0.1.2.3",
            "http://1.2.3.255",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
    }

    #[test]
    fn phone_numbers() {
        assert!(is_phone_number("+84912345678"));
        assert!(is_phone_number("0912"));
        assert!(!is_phone_number("+"));
        assert!(!is_phone_number("09 12"));
    }
}
