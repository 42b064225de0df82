//! The credentials file both subcommands read: TOML, one `[[credential]]` table per key.
//!
//! ```toml
//! [[credential]]
//! access_key_id = "AKIAIOSFODNN7EXAMPLE"
//! secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
//! principal = "alice"                # optional, defaults to the access key id
//! session_token = "..."              # optional: a temporary credential
//! expires = "2030-01-01T00:00:00Z"   # optional, RFC 3339
//! enabled = true                     # optional, defaults to true
//! ```

use std::path::Path;
use std::time::SystemTime;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tower_s3_auth::Credential;

/// The credentials file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    #[serde(default)]
    credential: Vec<CredentialEntry>,
}

/// One `[[credential]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialEntry {
    access_key_id: String,
    secret_access_key: String,
    principal: Option<String>,
    session_token: Option<String>,
    expires: Option<String>,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

impl CredentialEntry {
    fn into_credential(self) -> Result<Credential, String> {
        let mut credential =
            Credential::new(&self.access_key_id, self.secret_access_key).with_enabled(self.enabled);
        if let Some(principal) = self.principal {
            credential = credential.with_principal(principal);
        }
        if let Some(token) = self.session_token {
            credential = credential.with_session_token(token);
        }
        if let Some(expires) = self.expires {
            let at = OffsetDateTime::parse(&expires, &Rfc3339).map_err(|e| {
                format!(
                    "{}: expires {expires:?} is not an RFC 3339 time: {e}",
                    self.access_key_id
                )
            })?;
            credential = credential.with_expiry(SystemTime::from(at));
        }
        Ok(credential)
    }
}

/// Reads and parses the file at `path`; errors name the file.
pub(crate) fn load_credentials(path: &Path) -> Result<Vec<Credential>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    parse_credentials(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses a credentials file: at least one entry, each access key id once.
pub(crate) fn parse_credentials(text: &str) -> Result<Vec<Credential>, String> {
    let file: CredentialsFile = toml::from_str(text).map_err(|e| e.to_string())?;
    if file.credential.is_empty() {
        return Err("no [[credential]] entry".to_owned());
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = file
        .credential
        .iter()
        .find(|entry| !seen.insert(entry.access_key_id.as_str()))
    {
        return Err(format!(
            "access key id {} appears twice",
            twice.access_key_id
        ));
    }
    file.credential
        .into_iter()
        .map(CredentialEntry::into_credential)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_file() {
        let text = r#"
            [[credential]]
            access_key_id = "AKIAIOSFODNN7EXAMPLE"
            secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
            principal = "alice"
            expires = "2030-01-01T00:00:00Z"

            [[credential]]
            access_key_id = "AKIAOLD"
            secret_access_key = "secret"
            enabled = false
        "#;
        let credentials = parse_credentials(text).expect("credentials file: valid");
        assert_eq!(
            credentials[0].principal(),
            "alice",
            "credentials file: principal"
        );
        assert_eq!(
            credentials[0].expires(),
            Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_893_456_000)),
            "credentials file: expires"
        );
        assert_eq!(
            credentials[1].principal(),
            "AKIAOLD",
            "credentials file: default principal"
        );
        assert!(
            !credentials[1].is_enabled(),
            "credentials file: enabled = false"
        );

        for (case, bad) in [
            ("empty", ""),
            (
                "bad expiry",
                "[[credential]]\naccess_key_id = \"A\"\nsecret_access_key = \"s\"\nexpires = \"soon\"",
            ),
            (
                "unknown field",
                "[[credential]]\naccess_key_id = \"A\"\nsecret_access_key = \"s\"\nsecret = \"x\"",
            ),
            (
                "duplicate",
                "[[credential]]\naccess_key_id = \"A\"\nsecret_access_key = \"s\"\n[[credential]]\naccess_key_id = \"A\"\nsecret_access_key = \"t\"",
            ),
        ] {
            assert!(
                parse_credentials(bad).is_err(),
                "credentials file: {case} is refused"
            );
        }
    }
}
