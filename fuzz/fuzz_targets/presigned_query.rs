//! Presigned SigV4 URLs: query strings whose `X-Amz-*` parameters are each right, missing,
//! repeated or arbitrary, in any order, through the layer. Nothing panics, nothing is
//! answered with a server error, and only the URLs the harness signed reach the inner service.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use tower_s3_auth_fuzz::{
    AMZ_DATE, Field, KeyChoice, PayloadChoice, REGION, RequestSpec, SIGNATURE_PLACEHOLDER,
    SignatureChoice, TOKEN, When, encode, fill_signature, good_signed_headers, send,
    sigv4_signature,
};

#[derive(Arbitrary, Debug)]
struct Input {
    request: RequestSpec,
    algorithm: Field,
    key: KeyChoice,
    date: Field,
    region: Field,
    service: Field,
    terminator: Field,
    amz_date: When,
    expires: Expires,
    signed_headers: Field,
    signature: SignatureChoice,
    token: Field,
    content_sha256: PayloadChoice,
    /// How far the parameters are rotated from the usual order.
    order: u8,
    /// A parameter sent twice.
    repeat: Option<u8>,
}

#[derive(Arbitrary, Debug)]
enum Expires {
    Good,
    Seconds(u32),
    Absent,
    Raw(String),
}

fuzz_target!(|input: Input| {
    let spec = &input.request;
    let wire = spec.wire_body();
    let amz_date = input.amz_date.amz_date();
    let timestamp = amz_date.as_deref().unwrap_or(AMZ_DATE);
    let good_date = timestamp.get(..8).unwrap_or(timestamp).to_owned();
    let date = input.date.or_empty(|| good_date);
    let region = input.region.or_empty(|| REGION.to_owned());
    let service = input.service.or_empty(|| spec.setup.service().to_owned());
    let terminator = input.terminator.or_empty(|| "aws4_request".to_owned());
    let credential = format!("{}/{date}/{region}/{service}/{terminator}", input.key.id());
    let content_sha256 = input.content_sha256.value(&wire);

    // Harness values are encoded as a client encodes them; the fuzzer's go as they are.
    let good = |field: &Field, value: &str| match field {
        Field::Good => Some(encode(value)),
        Field::Absent => None,
        Field::Raw(text) => Some(text.clone()),
    };
    let mut params: Vec<String> = Vec::new();
    push(
        &mut params,
        "X-Amz-Algorithm",
        good(&input.algorithm, "AWS4-HMAC-SHA256"),
    );
    push(&mut params, "X-Amz-Credential", Some(encode(&credential)));
    push(&mut params, "X-Amz-Date", amz_date.as_deref().map(encode));
    push(
        &mut params,
        "X-Amz-Expires",
        match &input.expires {
            Expires::Good => Some("3600".to_owned()),
            Expires::Seconds(n) => Some(n.to_string()),
            Expires::Absent => None,
            Expires::Raw(text) => Some(text.clone()),
        },
    );
    push(
        &mut params,
        "X-Amz-Security-Token",
        good(&input.token, TOKEN),
    );
    push(
        &mut params,
        "X-Amz-Content-Sha256",
        content_sha256.as_deref().map(encode),
    );
    let signing = matches!(input.signature, SignatureChoice::Good);
    push(
        &mut params,
        "X-Amz-Signature",
        match signing {
            true => Some(SIGNATURE_PLACEHOLDER.to_owned()),
            false => input.signature.forged(),
        },
    );
    // The signed headers depend on the headers, known once the request is built: they go
    // last, after a first build that only collects the names.
    let Some(probe) = spec.build(&params, &[]) else {
        return;
    };
    let signed_headers = input
        .signed_headers
        .resolve(|| good_signed_headers(&probe.parts));
    push(
        &mut params,
        "X-Amz-SignedHeaders",
        signed_headers
            .as_deref()
            .map(|list| match input.signed_headers {
                Field::Good => encode(list),
                _ => list.to_owned(),
            }),
    );
    if let Some(i) = input.repeat {
        let again = params[usize::from(i) % params.len()].clone();
        params.push(again);
    }
    let len = params.len();
    params.rotate_left(usize::from(input.order) % len);

    let Some(mut built) = spec.build(&params, &[]) else {
        return;
    };
    let mut signed = false;
    if let (true, Some(list)) = (signing, &signed_headers) {
        let payload_hash = content_sha256.as_deref().unwrap_or("UNSIGNED-PAYLOAD");
        let signature = sigv4_signature(
            spec.setup,
            &built.parts,
            list,
            payload_hash,
            timestamp,
            [&date, &region, &service, &terminator],
            true,
        );
        if let Some(signature) = signature {
            if !fill_signature(&mut built.parts, &signature) {
                return;
            }
            signed = true;
        }
    }
    send(spec.setup, built, signed);
});

fn push(params: &mut Vec<String>, name: &str, value: Option<String>) {
    if let Some(value) = value {
        params.push(format!("{name}={value}"));
    }
}
