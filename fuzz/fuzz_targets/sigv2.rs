//! SigV2: `Authorization: AWS …` headers and `AWSAccessKeyId`/`Expires`/`Signature` URLs with
//! each part right, missing or arbitrary, through the layer. Nothing panics, nothing is
//! answered with a server error, and only the requests the harness signed reach the inner
//! service.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tower_s3_auth_fuzz::{
    Field, KeyChoice, NOW_SECS, RequestSpec, SIGNATURE_PLACEHOLDER, SignatureChoice, TOKEN, When,
    encode, fill_signature, send, sigv2_signature,
};

#[derive(Arbitrary, Debug)]
struct Input {
    request: RequestSpec,
    auth: Auth,
}

#[derive(Arbitrary, Debug)]
enum Auth {
    Header {
        /// `AWS` when good.
        scheme: Field,
        key: KeyChoice,
        /// `:` when good.
        separator: Field,
        signature: SignatureChoice,
        date: When,
        amz_date: When,
    },
    Query {
        key: KeyChoice,
        expires: Expires,
        signature: SignatureChoice,
        token: Field,
        /// How far the parameters are rotated from the usual order.
        order: u8,
    },
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Expires {
    /// Ten minutes from now.
    Good,
    /// A second ago.
    Past,
    Seconds(u64),
    Absent,
    Raw(String),
}

fuzz_target!(|input: Input| {
    let spec = &input.request;
    match &input.auth {
        Auth::Raw(text) => {
            let Some(built) = spec.build(&[], &[("authorization", text.clone())]) else {
                return;
            };
            send(spec.setup, built, false);
        }
        Auth::Header {
            scheme,
            key,
            separator,
            signature,
            date,
            amz_date,
        } => {
            let mut headers = Vec::new();
            if let Some(value) = date.http_date() {
                headers.push(("date", value));
            }
            if let Some(value) = amz_date.http_date() {
                headers.push(("x-amz-date", value));
            }
            let Some(mut built) = spec.build(&[], &headers) else {
                return;
            };
            let good = matches!(signature, SignatureChoice::Good);
            let signature = match good {
                true => Some(sigv2_signature(spec.setup, &built.parts, None)),
                false => signature.forged(),
            };
            let value = format!(
                "{} {}{}{}",
                scheme.or_empty(|| "AWS".to_owned()),
                key.id(),
                separator.or_empty(|| ":".to_owned()),
                signature.unwrap_or_default()
            );
            let Ok(value) = http::HeaderValue::from_str(&value) else {
                return;
            };
            built.parts.headers.insert("authorization", value);
            send(spec.setup, built, good);
        }
        Auth::Query {
            key,
            expires,
            signature,
            token,
            order,
        } => {
            let expires = match expires {
                Expires::Good => Some((NOW_SECS + 600).to_string()),
                Expires::Past => Some((NOW_SECS - 1).to_string()),
                Expires::Seconds(n) => Some(n.to_string()),
                Expires::Absent => None,
                Expires::Raw(text) => Some(text.clone()),
            };
            let good = matches!(signature, SignatureChoice::Good);
            let mut params = vec![format!("AWSAccessKeyId={}", encode(key.id()))];
            params.extend(expires.as_ref().map(|e| format!("Expires={e}")));
            params.extend(
                match good {
                    true => Some(SIGNATURE_PLACEHOLDER.to_owned()),
                    false => signature.forged(),
                }
                .map(|s| format!("Signature={s}")),
            );
            params.extend(
                token
                    .resolve(|| encode(TOKEN))
                    .map(|t| format!("x-amz-security-token={t}")),
            );
            let len = params.len();
            params.rotate_left(usize::from(*order) % len);
            let Some(mut built) = spec.build(&params, &[]) else {
                return;
            };
            if good {
                let signature = sigv2_signature(spec.setup, &built.parts, expires.as_deref());
                if !fill_signature(&mut built.parts, &encode(&signature)) {
                    return;
                }
            }
            send(spec.setup, built, good);
        }
    }
});
