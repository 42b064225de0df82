//! SigV4 `Authorization` headers: `Authorization::parse_components` on arbitrary text, and
//! whole requests through the layer with each part of the header, `x-amz-date` and
//! `x-amz-content-sha256` right, missing or arbitrary. Nothing panics, nothing is answered
//! with a server error, and only the requests the harness signed reach the inner service.

#![no_main]

use arbitrary::Arbitrary;
use http::StatusCode;
use libfuzzer_sys::fuzz_target;
use tower_s3_auth::ErrorKind;
use tower_s3_auth::sigv4::Authorization;
use tower_s3_auth_fuzz::{
    AMZ_DATE, BodyChoice, Field, HostChoice, KeyChoice, MethodChoice, PayloadChoice, REGION,
    RequestSpec, SignatureChoice, When, good_signed_headers, send, sigv4_signature,
};

#[derive(Arbitrary, Debug)]
struct Input {
    /// Straight into `parse_components`.
    components: String,
    request: RequestSpec,
    authorization: AuthorizationChoice,
    amz_date: When,
    date: When,
    payload: PayloadChoice,
}

#[derive(Arbitrary, Debug)]
enum AuthorizationChoice {
    Parts(Box<Parts>),
    Raw(String),
    Absent,
}

#[derive(Arbitrary, Debug)]
struct Parts {
    algorithm: Field,
    key: KeyChoice,
    date: Field,
    region: Field,
    service: Field,
    terminator: Field,
    signed_headers: Field,
    signature: SignatureChoice,
    /// Which of the six orders the three components come in.
    order: u8,
    /// `, ` when good, `,` when absent.
    separator: Field,
}

fuzz_target!(|input: Input| {
    check_parse(&input.components);
    check_layer(&input);
});

fn check_parse(text: &str) {
    match Authorization::parse_components(text) {
        Ok(parsed) => {
            let scope = &parsed.scope;
            let rejoined = [
                scope.date(),
                scope.region(),
                scope.service(),
                scope.terminator(),
            ];
            assert_eq!(
                rejoined.join("/"),
                scope.as_str(),
                "the scope is its four parts"
            );
            assert!(
                text.contains(&format!("{}/{}", parsed.access_key_id, scope.as_str())),
                "the credential comes from the text: {text:?}"
            );
            assert!(
                text.contains(parsed.signed_headers.as_str()),
                "the signed headers come from the text: {text:?}"
            );
            assert!(
                text.contains(&parsed.signature.to_hex()),
                "the signature comes from the text: {text:?}"
            );
        }
        Err(error) => {
            assert_eq!(
                error.kind(),
                ErrorKind::AuthorizationHeaderMalformed,
                "a bad header is malformed: {text:?}"
            );
            assert_eq!(
                error.status(),
                StatusCode::BAD_REQUEST,
                "malformed is a 400"
            );
        }
    }
}

fn check_layer(input: &Input) {
    let spec = &input.request;
    let wire = spec.wire_body();
    let amz_date = input.amz_date.amz_date();
    let payload_hash = input.payload.value(&wire);
    let mut headers = Vec::new();
    if let Some(value) = &amz_date {
        headers.push(("x-amz-date", value.clone()));
    }
    if let Some(value) = input.date.http_date() {
        headers.push(("date", value));
    }
    if let Some(value) = &payload_hash {
        headers.push(("x-amz-content-sha256", value.clone()));
    }
    let Some(mut built) = spec.build(&[], &headers) else {
        return;
    };

    let (value, signed) = match &input.authorization {
        AuthorizationChoice::Absent => (None, false),
        AuthorizationChoice::Raw(text) => (Some(text.clone()), false),
        AuthorizationChoice::Parts(parts) => {
            let timestamp = amz_date.as_deref().unwrap_or(AMZ_DATE);
            let good_date = timestamp.get(..8).unwrap_or(timestamp).to_owned();
            let date = parts.date.or_empty(|| good_date);
            let region = parts.region.or_empty(|| REGION.to_owned());
            let service = parts.service.or_empty(|| spec.setup.service().to_owned());
            let terminator = parts.terminator.or_empty(|| "aws4_request".to_owned());
            let signed_headers = parts
                .signed_headers
                .resolve(|| good_signed_headers(&built.parts));
            let good = match (&parts.signature, &signed_headers) {
                (SignatureChoice::Good, Some(list)) => sigv4_signature(
                    spec.setup,
                    &built.parts,
                    list,
                    payload_hash.as_deref().unwrap_or(""),
                    timestamp,
                    [&date, &region, &service, &terminator],
                    false,
                ),
                _ => None,
            };
            let signature = good.clone().or_else(|| parts.signature.forged());

            let mut components = vec![format!(
                "Credential={}/{date}/{region}/{service}/{terminator}",
                parts.key.id()
            )];
            components.extend(signed_headers.map(|list| format!("SignedHeaders={list}")));
            components.extend(signature.map(|sig| format!("Signature={sig}")));
            let len = components.len();
            components.rotate_left(usize::from(parts.order) % len);
            if parts.order >= 128 {
                components.reverse();
            }
            let separator = parts.separator.resolve(|| ", ".to_owned());
            let algorithm = parts.algorithm.or_empty(|| "AWS4-HMAC-SHA256".to_owned());
            let header = format!(
                "{algorithm} {}",
                components.join(separator.as_deref().unwrap_or(","))
            );
            (Some(header), good.is_some())
        }
    };
    if let Some(value) = value {
        let Ok(value) = http::HeaderValue::from_str(&value) else {
            return;
        };
        built.parts.headers.insert("authorization", value);
    }

    // A request a correct client signed, with nothing unusual about it, must pass.
    let clean = matches!(&input.authorization, AuthorizationChoice::Parts(p) if is_clean(p))
        && matches!(input.amz_date, When::Now)
        && matches!(input.date, When::Absent)
        && matches!(input.payload, PayloadChoice::Good | PayloadChoice::Unsigned)
        && !matches!(spec.method, MethodChoice::Raw(_))
        && matches!(
            spec.host,
            HostChoice::PathStyle | HostChoice::VirtualHosted | HostChoice::InUri
        )
        && matches!(spec.body, BodyChoice::Plain(_))
        && spec.headers.is_empty()
        && spec.query.is_empty();

    let outcome = send(spec.setup, built, signed);
    if clean {
        let body_ok = outcome.reached.as_ref().is_some_and(|r| r.body.is_ok());
        assert!(
            outcome.status == StatusCode::OK && body_ok,
            "a cleanly signed request passes: {outcome:?}"
        );
    }
}

fn is_clean(parts: &Parts) -> bool {
    let good = |field: &Field| matches!(field, Field::Good);
    [
        &parts.algorithm,
        &parts.date,
        &parts.region,
        &parts.service,
        &parts.terminator,
        &parts.signed_headers,
        &parts.separator,
    ]
    .into_iter()
    .all(good)
        && matches!(parts.key, KeyChoice::Main)
        && matches!(parts.signature, SignatureChoice::Good)
}
