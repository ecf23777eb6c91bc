//! Typed value parsing for condition operators: exact decimals, ISO 8601 / epoch dates, IP CIDRs, base64.
//! Owns parsing and comparison of scalars; must not know about policies or requests.
//!
//! AWS: reference_policies_elements_condition_operators (Numeric, Date, IP address, Binary sections).

use std::cmp::Ordering;
use std::net::IpAddr;

/// An exact decimal (no float rounding): AWS compares "integer or decimal" values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decimal {
    neg: bool,
    int: String,  // digits, no leading zeros
    frac: String, // digits, no trailing zeros
}

impl Decimal {
    pub fn parse(s: &str) -> Option<Decimal> {
        let s = s.trim();
        let (neg, body) = match s.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let int = int.trim_start_matches('0').to_string();
        let frac = frac.trim_end_matches('0').to_string();
        let zero = int.is_empty() && frac.is_empty();
        Some(Decimal {
            neg: neg && !zero,
            int,
            frac,
        })
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let mag = |a: &Decimal, b: &Decimal| {
            a.int
                .len()
                .cmp(&b.int.len())
                .then_with(|| a.int.cmp(&b.int))
                .then_with(|| a.frac.cmp(&b.frac))
        };
        match (self.neg, other.neg) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => mag(self, other),
            (true, true) => mag(other, self),
        }
    }
}
impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Howard Hinnant's algorithm: days since 1970-01-01 in the proleptic Gregorian calendar.
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(s: &str, len: usize) -> Option<i64> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parse an AWS date condition value: epoch seconds (`1700000000`) or ISO 8601 (`2024-01-31`,
/// `2024-01-31T12:00:00Z`, fractional seconds, `+hh:mm` offsets; no zone = UTC). Returns nanoseconds since
/// the epoch.
pub fn parse_date(s: &str) -> Option<i128> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.len() <= 12 {
        return Some(i128::from(s.parse::<i64>().ok()?) * 1_000_000_000);
    }
    let (date, time) = match s.find(['T', 't']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let (y, m, d) = (
        num(dp.next()?, 4)?,
        num(dp.next()?, 2)?,
        num(dp.next()?, 2)?,
    );
    if dp.next().is_some() || !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let dim = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][(m - 1) as usize];
    if d > dim {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) * 86_400;
    let mut nanos: i128 = 0;
    if let Some(t) = time {
        let (clock, offset) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
            (c, 0)
        } else if let Some(i) = t.rfind(['+', '-']) {
            let (c, o) = t.split_at(i);
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let o = &o[1..];
            if !o.is_ascii() {
                return None;
            }
            let (oh, om) = match o.split_once(':') {
                Some((h, m)) => (num(h, 2)?, num(m, 2)?),
                None if o.len() == 4 => (num(&o[..2], 2)?, num(&o[2..], 2)?),
                None => (num(o, 2)?, 0),
            };
            (c, sign * (oh * 3600 + om * 60))
        } else {
            (t, 0)
        };
        let mut cp = clock.split(':');
        let h = num(cp.next()?, 2)?;
        let mi = num(cp.next()?, 2)?;
        let (sec, frac) = match cp.next() {
            None => (0, ""),
            Some(sf) => {
                let (sec, frac) = sf.split_once('.').unwrap_or((sf, ""));
                (num(sec, 2)?, frac)
            }
        };
        if cp.next().is_some() || h > 23 || mi > 59 || sec > 60 || frac.len() > 9 {
            return None;
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if !frac.is_empty() {
            nanos = format!("{frac:0<9}").parse::<i128>().ok()?;
        }
        secs += h * 3600 + mi * 60 + sec - offset;
    }
    Some(i128::from(secs) * 1_000_000_000 + nanos)
}

/// An IP network: address plus prefix length. A bare address is a /32 (IPv4) or /128 (IPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok()?
            }
            Some(_) => return None,
            None => max,
        };
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    /// Does this network contain `ip`? Different address families never match.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(self.prefix))
                };
                (u32::from(n) & mask) == (u32::from(a) & mask)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(self.prefix))
                };
                (u128::from(n) & mask) == (u128::from(a) & mask)
            }
            _ => false,
        }
    }
}

/// Parse a request IP (`aws:SourceIp`): an address, or a single-host CIDR.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    // A plain IPv4 address (nearly every `aws:SourceIp`) is read as one at once: the answer the
    // general path gives (no `/`, so a /32; `IpAddr` parsing tries IPv4 first), without its search
    // for a prefix. A condition reads its request address on every evaluation.
    if let Ok(v4) = s.trim().parse::<std::net::Ipv4Addr>() {
        return Some(IpAddr::V4(v4));
    }
    let c = Cidr::parse(s)?;
    let full = if c.addr.is_ipv4() { 32 } else { 128 };
    (c.prefix == full).then_some(c.addr)
}

/// Standard base64 (RFC 4648, `+/`, padding optional); `None` on any invalid character.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim().trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut buf, mut bits) = (0u32, 0u32);
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    // A single leftover sextet cannot encode a byte.
    (bits < 6).then_some(out)
}

/// Parse a boolean condition value (`true` / `false`, any case).
pub fn parse_bool(s: &str) -> Option<bool> {
    // Compared in place, ignoring ASCII case: a `Bool` condition reads its request value on every
    // evaluation, and a lower-cased copy was an allocation each time.
    let s = s.trim();
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_table() {
        let cases: &[(&str, &str, Option<Ordering>)] = &[
            ("1", "1.0", Some(Ordering::Equal)),
            ("10", "9", Some(Ordering::Greater)),
            ("-1", "0", Some(Ordering::Less)),
            ("-0", "0", Some(Ordering::Equal)),
            ("-2", "-10", Some(Ordering::Greater)),
            ("0.1", "0.10", Some(Ordering::Equal)),
            ("3.14", "3.2", Some(Ordering::Less)),
            ("007", "7", Some(Ordering::Equal)),
            (
                "12345678901234567890",
                "12345678901234567891",
                Some(Ordering::Less),
            ),
            ("abc", "1", None),
            ("", "1", None),
            ("1e3", "1000", None),
            (".5", "0.5", Some(Ordering::Equal)),
        ];
        for (a, b, want) in cases {
            let got = Decimal::parse(a)
                .zip(Decimal::parse(b))
                .map(|(a, b)| a.cmp(&b));
            assert_eq!(got, *want, "{a} vs {b}");
        }
    }

    #[test]
    fn date_table() {
        let cases: &[(&str, Option<i128>)] = &[
            ("0", Some(0)),
            ("1700000000", Some(1_700_000_000_000_000_000)),
            ("1970-01-01", Some(0)),
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2023-11-14T22:13:20Z", Some(1_700_000_000_000_000_000)),
            ("2023-11-14T23:13:20+01:00", Some(1_700_000_000_000_000_000)),
            ("2023-11-14T21:13:20-0100", Some(1_700_000_000_000_000_000)),
            ("2023-11-14T22:13:20.5Z", Some(1_700_000_000_500_000_000)),
            (
                "2024-02-29",
                Some(i128::from(days_from_civil(2024, 2, 29)) * 86_400 * 1_000_000_000),
            ),
            ("2023-02-29", None),
            ("2023-13-01", None),
            ("2023-1-01", None),
            ("yesterday", None),
            ("", None),
            ("2023-11-14T25:00:00Z", None),
            ("2023-11-14T22:13:20+1é1", None),
        ];
        for (s, want) in cases {
            assert_eq!(parse_date(s), *want, "{s}");
        }
    }

    #[test]
    fn cidr_table() {
        let cases: &[(&str, &str, Option<bool>)] = &[
            ("203.0.113.0/24", "203.0.113.7", Some(true)),
            ("203.0.113.0/24", "203.0.114.7", Some(false)),
            ("203.0.113.7", "203.0.113.7", Some(true)),
            ("0.0.0.0/0", "8.8.8.8", Some(true)),
            ("10.0.0.0/8", "2001:db8::1", Some(false)),
            ("2001:db8::/32", "2001:db8:1::1", Some(true)),
            ("2001:db8::/32", "2001:db9::1", Some(false)),
            ("::/0", "::1", Some(true)),
            ("10.0.0.0/33", "10.0.0.1", None),
            ("10.0.0.0/", "10.0.0.1", None),
            ("nope", "10.0.0.1", None),
            ("10.0.0.0/8", "not-an-ip", None),
        ];
        for (net, ip, want) in cases {
            let got = Cidr::parse(net)
                .zip(parse_ip(ip))
                .map(|(n, ip)| n.contains(ip));
            assert_eq!(got, *want, "{net} contains {ip}");
        }
    }

    proptest::proptest! {
        /// The IPv4 shortcut of `parse_ip` answers as the general path (a single-host network).
        #[test]
        fn parse_ip_answers_as_a_single_host_network(
            s in " ?(([0-9]{1,3}\\.){3}[0-9]{1,3}(/[0-9]{1,2})?|0[0-9]\\.1\\.2\\.3|[0-9a:.]{0,12}) ?",
        ) {
            let general = Cidr::parse(&s).filter(|c| c.prefix == if c.addr.is_ipv4() { 32 } else { 128 });
            proptest::prop_assert_eq!(parse_ip(&s), general.map(|c| c.addr), "{:?}", s);
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,40}") {
            let _ = parse_date(&s);
            let _ = Decimal::parse(&s);
            let _ = Cidr::parse(&s);
            let _ = parse_ip(&s);
            let _ = base64_decode(&s);
            let _ = parse_bool(&s);
        }

        #[test]
        fn date_like_strings_never_panic(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{0,12}[Zz+\\-]?\\PC{0,6}") {
            let _ = parse_date(&s);
        }
    }

    #[test]
    fn base64_table() {
        let cases: &[(&str, Option<&[u8]>)] = &[
            ("", Some(b"")),
            ("QQ==", Some(b"A")),
            ("QQ", Some(b"A")),
            ("QUJD", Some(b"ABC")),
            ("aGVsbG8=", Some(b"hello")),
            ("AGVSBG8=", Some(&[0, 101, 82, 4, 111])),
            ("a", None),
            ("@@@@", None),
        ];
        for (s, want) in cases {
            assert_eq!(base64_decode(s).as_deref(), *want, "{s}");
        }
    }
}
