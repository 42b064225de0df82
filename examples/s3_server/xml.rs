//! The XML the server writes (results in the S3 namespace) and reads (request bodies).

use std::borrow::Cow;
use std::time::SystemTime;

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, header};
use quick_xml::Reader;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::Event;

use super::errors::S3Error;

/// The namespace of every S3 result document.
pub(crate) const S3_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// An XML document written front to back. Text is escaped; nesting is the caller's business.
#[derive(Debug)]
pub(crate) struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub(crate) fn new() -> Self {
        Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        }
    }

    /// A result document: its root element in the S3 namespace.
    pub(crate) fn result(root: &str) -> Self {
        let mut xml = Self::new();
        xml.out
            .push_str(&format!("<{root} xmlns=\"{S3_NAMESPACE}\">"));
        xml
    }

    pub(crate) fn open(&mut self, name: &str) -> &mut Self {
        self.out.push_str(&format!("<{name}>"));
        self
    }

    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str(&format!("</{name}>"));
        self
    }

    /// Escaped text inside the element last opened; characters XML 1.0 cannot carry become
    /// U+FFFD.
    ///
    /// A key may hold any of them (`PUT /bucket/a%01b` stores one), and S3 itself names such
    /// a key faithfully only in a listing with `encoding-type=url`. Written as they are, or as
    /// character references, they would make the document one no XML parser accepts, so this
    /// server replaces them, as the auth layer does in its own error documents.
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        let text: Cow<'_, str> = if text.contains(not_in_xml) {
            text.replace(not_in_xml, "\u{fffd}").into()
        } else {
            text.into()
        };
        self.out.push_str(&escape(text));
        self
    }

    /// `<name>text</name>`.
    pub(crate) fn element(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name).text(text).close(name)
    }

    /// `<name>text</name>` when there is a text.
    pub(crate) fn optional(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.element(name, text);
        }
        self
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// Whether XML 1.0 excludes `c` from documents, even as a character reference: the C0 controls
/// other than tab, line feed and carriage return, and the two non-characters U+FFFE and U+FFFF.
fn not_in_xml(c: char) -> bool {
    matches!(c, '\0'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

/// A 200 response carrying an S3 result document.
pub(crate) fn xml_response(document: String) -> Response {
    let mut response = Response::new(Body::from(document));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    response
}

/// A timestamp as S3 writes them in XML: ISO 8601 in UTC with milliseconds,
/// `2026-01-01T00:00:00.000Z`.
pub(crate) fn iso8601(at: SystemTime) -> String {
    let at = time::OffsetDateTime::from(at);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// The elements of a document, each as its path from the root (`Delete/Object/Key`) and its
/// own text, in the order they close: children before their parent.
///
/// Namespaces and attributes are ignored: S3 request bodies carry no meaning in them, and
/// clients differ in whether they send the namespace at all.
pub(crate) fn elements(document: &[u8]) -> Result<Vec<(String, String)>, S3Error> {
    let text = std::str::from_utf8(document).map_err(|_| S3Error::malformed_xml())?;
    let mut reader = Reader::from_str(text);
    let mut open: Vec<(String, String)> = Vec::new();
    let mut closed = Vec::new();
    let malformed = |_| S3Error::malformed_xml();

    loop {
        match reader.read_event().map_err(malformed)? {
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                open.push((name, String::new()));
            }
            Event::Empty(start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                closed.push((path(&open, &name), String::new()));
            }
            Event::End(_) => {
                let (name, text) = open.pop().ok_or_else(S3Error::malformed_xml)?;
                closed.push((path(&open, &name), text));
            }
            Event::Text(text) => push_text(
                &mut open,
                &text.decode().map_err(|_| S3Error::malformed_xml())?,
            )?,
            Event::CData(data) => push_text(
                &mut open,
                &data.decode().map_err(|_| S3Error::malformed_xml())?,
            )?,
            Event::GeneralRef(reference) => {
                let resolved: Cow<'_, str> = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Cow::Owned(c.to_string()),
                    Ok(None) => {
                        let name = reference.decode().map_err(|_| S3Error::malformed_xml())?;
                        let entity = resolve_predefined_entity(&name);
                        Cow::Borrowed(entity.ok_or_else(S3Error::malformed_xml)?)
                    }
                    Err(_) => return Err(S3Error::malformed_xml()),
                };
                push_text(&mut open, &resolved)?;
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !open.is_empty() || closed.is_empty() {
        return Err(S3Error::malformed_xml());
    }
    Ok(closed)
}

fn path(open: &[(String, String)], name: &str) -> String {
    let mut path = String::new();
    for (parent, _) in open {
        path.push_str(parent);
        path.push('/');
    }
    path.push_str(name);
    path
}

/// Text belongs to the innermost open element; text outside the root is only whitespace.
fn push_text(open: &mut [(String, String)], text: &str) -> Result<(), S3Error> {
    match open.last_mut() {
        Some((_, own)) => own.push_str(text),
        None if text.trim().is_empty() => {}
        None => return Err(S3Error::malformed_xml()),
    }
    Ok(())
}

/// The body of `DeleteObjects`: the keys to delete and whether to report only failures.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Delete {
    pub(crate) quiet: bool,
    pub(crate) keys: Vec<String>,
}

/// S3 refuses a `DeleteObjects` request naming more keys than this.
const MAX_DELETE_KEYS: usize = 1000;

impl Delete {
    /// Parses `<Delete><Quiet>true</Quiet><Object><Key>k</Key></Object>...</Delete>`.
    pub(crate) fn parse(document: &[u8]) -> Result<Self, S3Error> {
        let mut delete = Self {
            quiet: false,
            keys: Vec::new(),
        };
        let mut key = None;
        for (path, text) in elements(document)? {
            match path.as_str() {
                "Delete/Quiet" => delete.quiet = text.trim() == "true",
                "Delete/Object/Key" => key = Some(text),
                // Versions do not exist here; a version id is accepted and means the object.
                "Delete/Object" => delete
                    .keys
                    .push(key.take().ok_or_else(S3Error::malformed_xml)?),
                "Delete" => {}
                p if p.starts_with("Delete/") => {}
                _ => return Err(S3Error::malformed_xml()),
            }
        }
        if delete.keys.is_empty() || delete.keys.len() > MAX_DELETE_KEYS {
            return Err(S3Error::malformed_xml());
        }
        Ok(delete)
    }
}

/// The `LocationConstraint` of a `CreateBucketConfiguration` body, if it names one.
pub(crate) fn location_constraint(document: &[u8]) -> Result<Option<String>, S3Error> {
    let mut constraint = None;
    for (path, text) in elements(document)? {
        match path.as_str() {
            "CreateBucketConfiguration/LocationConstraint" => constraint = Some(text),
            p if p.starts_with("CreateBucketConfiguration") => {}
            _ => return Err(S3Error::malformed_xml()),
        }
    }
    Ok(constraint.filter(|c| !c.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_body_with_namespace_entities_and_quiet() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
            <Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
              <Object><Key>a&amp;b &#x263A;</Key></Object>
              <Object><Key>c</Key><VersionId>v1</VersionId></Object>
              <Quiet>true</Quiet>
            </Delete>"#;
        let delete = Delete::parse(body).expect("DeleteObjects: a valid body parses");
        assert_eq!(
            delete,
            Delete {
                quiet: true,
                keys: vec!["a&b \u{263A}".to_owned(), "c".to_owned()],
            },
            "DeleteObjects: keys unescaped in order, Quiet read"
        );
    }

    #[test]
    fn delete_body_errors_are_malformed_xml() {
        for (case, body) in [
            (
                "unclosed root",
                &b"<Delete><Object><Key>a</Key></Object>"[..],
            ),
            ("object without key", b"<Delete><Object></Object></Delete>"),
            ("no objects", b"<Delete></Delete>"),
            (
                "wrong root",
                b"<Remove><Object><Key>a</Key></Object></Remove>",
            ),
            (
                "mismatched end",
                b"<Delete><Object><Key>a</Object></Key></Delete>",
            ),
            ("not xml", b"key=a"),
        ] {
            let error = Delete::parse(body).expect_err(case);
            assert_eq!(error.code(), "MalformedXML", "DeleteObjects: {case}");
        }
    }

    #[test]
    fn create_bucket_configuration() {
        let body = b"<CreateBucketConfiguration><LocationConstraint>eu-west-1\
                     </LocationConstraint></CreateBucketConfiguration>";
        assert_eq!(
            location_constraint(body).expect("CreateBucket: valid body"),
            Some("eu-west-1".to_owned()),
            "CreateBucket: the constraint is read"
        );
        let empty = b"<CreateBucketConfiguration/>";
        assert_eq!(
            location_constraint(empty).expect("CreateBucket: empty configuration"),
            None,
            "CreateBucket: no constraint"
        );
    }

    #[test]
    fn timestamps_have_milliseconds() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_767_225_600_007);
        assert_eq!(
            iso8601(at),
            "2026-01-01T00:00:00.007Z",
            "LastModified format"
        );
    }

    #[test]
    fn writer_escapes_text() {
        let mut xml = XmlWriter::result("R");
        xml.element("Key", "<a&\"b\">").close("R");
        assert_eq!(
            xml.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <R xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
             <Key>&lt;a&amp;&quot;b&quot;&gt;</Key></R>",
            "XML writer: text is escaped"
        );
    }

    #[test]
    fn writer_replaces_characters_xml_cannot_carry() {
        let mut xml = XmlWriter::new();
        xml.element("Key", "a\u{1}b\u{0}\u{1f}\u{fffe}\u{ffff}<")
            .element("Kept", "\t\n\r\u{7f}\u{fffd}\u{10000}")
            .close("R");
        let document = xml.finish();
        assert!(
            document.contains("<Key>a\u{fffd}b\u{fffd}\u{fffd}\u{fffd}\u{fffd}&lt;</Key>"),
            "XML writer: controls and U+FFFE/U+FFFF become U+FFFD, got {document:?}"
        );
        assert!(
            document.contains("<Kept>\t\n\r\u{7f}\u{fffd}\u{10000}</Kept>"),
            "XML writer: tab, newline, CR, DEL and other characters are kept, got {document:?}"
        );
    }
}
