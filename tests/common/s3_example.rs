//! The S3 worked-example files of `tests/vectors/s3-examples/` (format in its README):
//! `#` comment lines, then sections opened by `@@ <name>`, each the lines up to the next
//! section joined with `\n`, without the final newline.

use std::time::SystemTime;

use time::PrimitiveDateTime;
use time::macros::format_description;

use super::wire::WireRequest;

/// One example file.
#[derive(Debug)]
pub(crate) struct S3Example {
    /// The file's path below `s3-examples/`, for messages.
    pub(crate) name: String,
    sections: Vec<(String, String)>,
}

impl S3Example {
    /// Loads `s3-examples/<name>`.
    ///
    /// # Panics
    ///
    /// When the file is missing or a line comes before the first section that is not a
    /// comment.
    pub(crate) fn load(name: &str) -> Self {
        let path = super::vectors_dir().join("s3-examples").join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        Self::parse(name, &text)
    }

    fn parse(name: &str, text: &str) -> Self {
        // Each line ends with `\n`; without the file's last one, splitting yields the lines.
        let lines = text.strip_suffix('\n').unwrap_or(text).split('\n');
        let mut sections: Vec<(String, Vec<&str>)> = Vec::new();
        for line in lines {
            if let Some(section) = line.strip_prefix("@@ ") {
                sections.push((section.to_owned(), Vec::new()));
            } else if let Some((_, lines)) = sections.last_mut() {
                lines.push(line);
            } else {
                assert!(
                    line.starts_with('#') || line.is_empty(),
                    "{name}: {line:?} before the first section"
                );
            }
        }
        let sections = sections
            .into_iter()
            .map(|(section, lines)| (section, lines.join("\n")))
            .collect();
        Self {
            name: name.to_owned(),
            sections,
        }
    }

    /// The content of section `name`.
    ///
    /// # Panics
    ///
    /// When the example has no such section.
    pub(crate) fn section(&self, name: &str) -> &str {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, content)| content.as_str())
            .unwrap_or_else(|| panic!("{}: no section @@ {name}", self.name))
    }

    /// The value of `key` in the `meta` section.
    ///
    /// # Panics
    ///
    /// When the key is missing.
    pub(crate) fn meta(&self, key: &str) -> &str {
        self.section("meta")
            .split('\n')
            .filter_map(|line| line.split_once(" = "))
            .find(|(k, _)| *k == key)
            .map(|(_, value)| value)
            .unwrap_or_else(|| panic!("{}: no meta {key}", self.name))
    }

    /// The request as the server receives it.
    pub(crate) fn request(&self) -> WireRequest {
        WireRequest::parse(self.section("request"), &self.name)
    }

    /// The instant of the `amz_date` meta value (`YYYYMMDDTHHMMSSZ`).
    pub(crate) fn amz_time(&self) -> SystemTime {
        let format = format_description!("[year][month][day]T[hour][minute][second]Z");
        let amz_date = self.meta("amz_date");
        PrimitiveDateTime::parse(amz_date, format)
            .unwrap_or_else(|e| panic!("{}: amz_date {amz_date:?}: {e}", self.name))
            .assume_utc()
            .into()
    }
}
