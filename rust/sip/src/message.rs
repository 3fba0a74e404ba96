//! SIP messages (RFC 3261 §7): a strict parser for what arrives on the gateway's socket and the serialiser for what
//! it sends. Nothing here panics on any input; every failure is a [`ParseError`].
//!
//! What the parser accepts: a start line (`METHOD SP Request-URI SP SIP/2.0` or `SIP/2.0 SP 3DIGIT SP reason`),
//! header lines `Name: value` ended by CRLF (folded continuation lines are joined; compact names such as `v`, `i`,
//! `l` are expanded), an empty line, and a body of exactly `Content-Length` bytes (the rest of the datagram when
//! the header is absent, as RFC 3261 §18.3 allows for UDP; extra bytes after the announced length are ignored).
//! Everything must be ASCII/UTF-8 text up to the body; the body is kept as bytes. Messages larger than
//! [`MAX_MESSAGE`] or with more than [`MAX_HEADERS`] header lines are refused.

use std::fmt::Write as _;

/// Largest datagram the gateway reads or accepts.
pub const MAX_MESSAGE: usize = 65_507;
/// Most header lines in one message.
pub const MAX_HEADERS: usize = 128;

/// Why bytes are not a SIP message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("message too large")]
    TooLarge,
    #[error("no empty line after the headers")]
    Truncated,
    #[error("headers are not UTF-8")]
    NotText,
    #[error("bad start line")]
    StartLine,
    #[error("bad header line")]
    Header,
    #[error("too many headers")]
    TooManyHeaders,
    #[error("bad Content-Length")]
    ContentLength,
    #[error("body shorter than Content-Length")]
    ShortBody,
}

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    Request { method: String, uri: String },
    Response { code: u16, reason: String },
}

/// A parsed (or to-be-sent) SIP message. Header names are stored in their long, canonical spelling where the
/// parser knows one; lookups ignore case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub start: StartLine,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// Compact header forms (RFC 3261 §7.3.3) and the spelling used here.
const COMPACT: &[(&str, &str)] = &[
    ("v", "Via"),
    ("f", "From"),
    ("t", "To"),
    ("i", "Call-ID"),
    ("m", "Contact"),
    ("l", "Content-Length"),
    ("c", "Content-Type"),
    ("k", "Supported"),
    ("s", "Subject"),
    ("e", "Content-Encoding"),
];

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b))
}

impl Message {
    /// Parses one datagram.
    pub fn parse(bytes: &[u8]) -> Result<Message, ParseError> {
        if bytes.len() > MAX_MESSAGE {
            return Err(ParseError::TooLarge);
        }
        // Keep-alive CRLFs sometimes precede a message (RFC 5626 §3.5.1).
        let start_at = bytes.iter().position(|b| *b != b'\r' && *b != b'\n').ok_or(ParseError::Truncated)?;
        let bytes = &bytes[start_at..];
        let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").ok_or(ParseError::Truncated)?;
        let head = std::str::from_utf8(&bytes[..end]).map_err(|_| ParseError::NotText)?;
        let rest = &bytes[end + 4..];
        let mut lines = head.split("\r\n");
        // A bare CR or LF inside a line would end up inside the start line or a header value.
        if head.split("\r\n").any(|line| line.contains(['\r', '\n'])) {
            return Err(ParseError::Header);
        }
        let start = parse_start(lines.next().unwrap_or_default())?;
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in lines {
            if line.starts_with([' ', '\t']) {
                let (_, value) = headers.last_mut().ok_or(ParseError::Header)?;
                value.push(' ');
                value.push_str(line.trim());
                continue;
            }
            if headers.len() >= MAX_HEADERS {
                return Err(ParseError::TooManyHeaders);
            }
            let (name, value) = line.split_once(':').ok_or(ParseError::Header)?;
            let name = name.trim_end();
            if !is_token(name) {
                return Err(ParseError::Header);
            }
            let name = COMPACT
                .iter()
                .find(|(short, _)| short.eq_ignore_ascii_case(name))
                .map_or_else(|| name.to_owned(), |(_, long)| (*long).to_owned());
            headers.push((name, value.trim().to_owned()));
        }
        let mut message = Message { start, headers, body: Vec::new() };
        message.body = match message.header("Content-Length") {
            Some(v) => {
                let n: usize = v.parse().map_err(|_| ParseError::ContentLength)?;
                rest.get(..n).ok_or(ParseError::ShortBody)?.to_vec()
            }
            None => rest.to_vec(),
        };
        Ok(message)
    }

    /// A request with no headers yet.
    pub fn request(method: &str, uri: &str) -> Message {
        Message {
            start: StartLine::Request { method: method.to_owned(), uri: uri.to_owned() },
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A response to `req` (RFC 3261 §8.2.6): its Via headers, From, To, Call-ID and CSeq copied; `to_tag` is added
    /// to To when To has no tag yet.
    pub fn response_to(req: &Message, code: u16, reason: &str, to_tag: Option<&str>) -> Message {
        let mut headers = Vec::new();
        for (name, value) in &req.headers {
            let copy = ["Via", "From", "Call-ID", "CSeq"].iter().any(|h| h.eq_ignore_ascii_case(name));
            if copy {
                headers.push((name.clone(), value.clone()));
            } else if name.eq_ignore_ascii_case("To") {
                let value = match to_tag {
                    Some(tag) if param(value, "tag").is_none() => format!("{value};tag={tag}"),
                    _ => value.clone(),
                };
                headers.push((name.clone(), value));
            }
        }
        Message { start: StartLine::Response { code, reason: reason.to_owned() }, headers, body: Vec::new() }
    }

    /// Appends a header.
    pub fn with(mut self, name: &str, value: impl Into<String>) -> Message {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the body and its type.
    pub fn with_body(mut self, content_type: &str, body: Vec<u8>) -> Message {
        self.headers.push(("Content-Type".to_owned(), content_type.to_owned()));
        self.body = body;
        self
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn method(&self) -> Option<&str> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    pub fn code(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response { code, .. } => Some(*code),
            StartLine::Request { .. } => None,
        }
    }

    pub fn call_id(&self) -> Option<&str> {
        self.header("Call-ID").filter(|v| !v.is_empty())
    }

    /// CSeq number and method.
    pub fn cseq(&self) -> Option<(u32, &str)> {
        let (n, method) = self.header("CSeq")?.split_once(char::is_whitespace)?;
        let method = method.trim();
        Some((n.parse().ok()?, method)).filter(|_| is_token(method))
    }

    /// The tag parameter of From or To.
    pub fn tag(&self, header: &str) -> Option<&str> {
        param(self.header(header)?, "tag")
    }

    /// Whether the headers every request needs (RFC 3261 §8.1.1) are there and well formed.
    pub fn has_mandatory_headers(&self) -> bool {
        ["Via", "From", "To"].iter().all(|h| self.header(h).is_some())
            && self.call_id().is_some()
            && self.cseq().is_some()
    }

    /// The bytes to send. Content-Length is always written, from the body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = String::new();
        match &self.start {
            StartLine::Request { method, uri } => {
                let _ = write!(head, "{method} {uri} SIP/2.0\r\n");
            }
            StartLine::Response { code, reason } => {
                let _ = write!(head, "SIP/2.0 {code} {reason}\r\n");
            }
        }
        for (name, value) in self.headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("Content-Length")) {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        let _ = write!(head, "Content-Length: {}\r\n\r\n", self.body.len());
        let mut out = head.into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

fn parse_start(line: &str) -> Result<StartLine, ParseError> {
    if let Some(rest) = line.strip_prefix("SIP/2.0 ") {
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        let valid = code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit());
        let code: u16 = code.parse().ok().filter(|c| valid && (100..700).contains(c)).ok_or(ParseError::StartLine)?;
        return Ok(StartLine::Response { code, reason: reason.to_owned() });
    }
    let mut parts = line.split(' ');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(method), Some(uri), Some("SIP/2.0"), None) if is_token(method) && !uri.is_empty() => {
            Ok(StartLine::Request { method: method.to_owned(), uri: uri.to_owned() })
        }
        _ => Err(ParseError::StartLine),
    }
}

/// The value of parameter `name` in a header value such as `<sip:a@b>;tag=x` or `SIP/2.0/UDP h;branch=y`.
/// Parameters inside `<...>` (those of the URI) are not looked at.
pub fn param<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    let params = match value.rfind('>') {
        Some(i) => &value[i + 1..],
        None => value.split_once(';').map_or("", |(_, p)| p),
    };
    params
        .split(';')
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// The URI of a name-addr or addr-spec (`"Bob" <sip:bob@h>;tag=1` → `sip:bob@h`).
pub fn uri_of(value: &str) -> &str {
    match (value.find('<'), value.find('>')) {
        (Some(a), Some(b)) if a < b => &value[a + 1..b],
        _ => value.split(';').next().unwrap_or(value).trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:bob@127.0.0.1:5070 SIP/2.0\r\n\
        v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n\
        From: <sip:alice@h>;tag=a1\r\n\
        To: <sip:bob@h>\r\n\
        i: abc@h\r\n\
        CSeq: 1 INVITE\r\n\
        Subject: long\r\n  folded\r\n\
        l: 4\r\n\r\nbodyEXTRA";

    #[test]
    fn parses_a_request_with_compact_and_folded_headers() {
        let m = Message::parse(INVITE.as_bytes()).unwrap();
        assert_eq!(m.method(), Some("INVITE"));
        assert_eq!(m.call_id(), Some("abc@h"));
        assert_eq!(m.cseq(), Some((1, "INVITE")));
        assert_eq!(m.tag("From"), Some("a1"));
        assert_eq!(m.tag("To"), None);
        assert_eq!(m.header("subject"), Some("long folded"));
        assert_eq!(m.body, b"body");
        assert!(m.has_mandatory_headers());
        assert_eq!(param(m.header("Via").unwrap(), "branch"), Some("z9hG4bK1"));
    }

    #[test]
    fn round_trips() {
        let m = Message::parse(INVITE.as_bytes()).unwrap();
        let again = Message::parse(&m.to_bytes()).unwrap();
        assert_eq!(m, again);
    }

    #[test]
    fn parses_a_response() {
        let m = Message::parse(b"SIP/2.0 180 Ringing\r\nCall-ID: x\r\n\r\n").unwrap();
        assert_eq!(m.code(), Some(180));
        let m = Message::parse(b"SIP/2.0 200 \r\n\r\n").unwrap();
        assert_eq!(m.code(), Some(200));
    }

    #[test]
    fn response_copies_the_request_headers() {
        let req = Message::parse(INVITE.as_bytes()).unwrap();
        let r = Message::response_to(&req, 486, "Busy Here", Some("t9"));
        assert_eq!(r.tag("To"), Some("t9"));
        assert_eq!(r.call_id(), Some("abc@h"));
        assert_eq!(r.cseq(), Some((1, "INVITE")));
    }

    #[test]
    fn refuses_malformed_input() {
        let cases: &[&[u8]] = &[
            b"",
            b"\r\n\r\n",
            b"INVITE sip:x SIP/2.0\r\nVia: a\r\n",
            b"INVITE sip:x SIP/3.0\r\n\r\n",
            b"INVITE  SIP/2.0\r\n\r\n",
            b"SIP/2.0 99 Low\r\n\r\n",
            b"SIP/2.0 2000 OK\r\n\r\n",
            b"SIP/2.0 +20 OK\r\n\r\n",
            b"INVITE sip:x SIP/2.0\r\nno colon\r\n\r\n",
            b"INVITE sip:x SIP/2.0\r\n folded first\r\n\r\n",
            b"INVITE sip:x SIP/2.0\r\nContent-Length: -1\r\n\r\n",
            b"INVITE sip:x SIP/2.0\r\nContent-Length: 10\r\n\r\nshort",
            b"INVITE sip:x SIP/2.0\r\nBad Name: x\r\n\r\n",
            b"\xff\xfe SIP/2.0\r\n\r\n",
            b"BYE sip:x SIP/2.0\r\nSubject: a\r\n  b\nc\r\n\r\n",
            b"BYE sip:x SIP/2.0\r\nSubject: a\rb\r\n\r\n",
        ];
        for case in cases {
            assert!(Message::parse(case).is_err(), "{:?}", String::from_utf8_lossy(case));
        }
        assert_eq!(Message::parse(&vec![b'a'; MAX_MESSAGE + 1]), Err(ParseError::TooLarge));
    }

    #[test]
    fn every_prefix_of_a_message_is_handled() {
        for n in 0..INVITE.len() {
            let _ = Message::parse(&INVITE.as_bytes()[..n]);
        }
    }

    #[test]
    fn uri_and_params() {
        assert_eq!(uri_of("\"Bob\" <sip:bob@h;transport=udp>;tag=1"), "sip:bob@h;transport=udp");
        assert_eq!(uri_of("sip:bob@h;tag=1"), "sip:bob@h");
        assert_eq!(param("<sip:bob@h;tag=no>;tag=yes", "tag"), Some("yes"));
        assert_eq!(param("<sip:bob@h;tag=no>", "tag"), None);
    }
}
