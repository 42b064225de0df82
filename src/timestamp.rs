//! The timestamp formats of S3 authentication.

use std::time::{Duration, SystemTime};

use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Parses ISO 8601 basic UTC, the form of `x-amz-date`: `20130524T000000Z`.
pub(crate) fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    if text.len() != 16 || !text.is_ascii() {
        return None;
    }
    let parsed = PrimitiveDateTime::parse(text, format).ok()?;
    Some(parsed.assume_utc().into())
}

/// Formats as ISO 8601 basic UTC: `20130524T000000Z`.
pub(crate) fn format_amz_date(at: SystemTime) -> String {
    let format = format_description!("[year][month][day]T[hour][minute][second]Z");
    OffsetDateTime::from(at).format(format).unwrap_or_default()
}

/// Formats as ISO 8601 extended UTC, the form of `<ServerTime>`: `2013-05-24T00:00:00Z`.
pub(crate) fn format_iso8601(at: SystemTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from(at).format(format).unwrap_or_default()
}

/// Parses an HTTP date (RFC 1123 and the two obsolete forms), the form of `Date`.
pub(crate) fn parse_http_date(text: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(text).ok()
}

/// How far apart two instants are, whichever comes first.
pub(crate) fn distance(a: SystemTime, b: SystemTime) -> Duration {
    a.duration_since(b)
        .or_else(|_| b.duration_since(a))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_date_round_trips_and_rejects_other_shapes() {
        let t = parse_amz_date("20130524T000000Z").unwrap();
        assert_eq!(format_amz_date(t), "20130524T000000Z");
        assert_eq!(format_iso8601(t), "2013-05-24T00:00:00Z");
        for bad in [
            "20130524T000000",
            "2013-05-24T00:00:00Z",
            "20131324T000000Z",
            "",
            "x",
        ] {
            assert!(parse_amz_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn http_date_parses() {
        let t = parse_http_date("Fri, 24 May 2013 00:00:00 GMT").unwrap();
        assert_eq!(format_amz_date(t), "20130524T000000Z");
    }
}
