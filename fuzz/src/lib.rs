//! What the fuzz targets share: the credentials and clock the layer is built with, requests
//! built from fuzz input, their signatures, and a synchronous drive through the layer that
//! checks the invariants every response keeps.
//!
//! Each value of a request is either filled in correctly by the harness ([`Field::Good`]),
//! left out, or taken from the fuzzer, so that the fuzzer reaches the checks behind the
//! first one. A request whose signature the harness computed is the only kind that may reach
//! the inner service; every other one must be refused with a 4xx.

mod drive;
mod input;
mod setup;
mod sign;

pub use drive::{Outcome, Reached, send};
pub use input::{
    BodyChoice, Built, ExtraHeader, Field, HeaderChoice, HostChoice, KeyChoice, MethodChoice,
    PayloadChoice, RequestSpec, SignatureChoice, When,
};
pub use setup::{
    ACCESS_KEY_ID, AMZ_DATE, DISABLED_KEY_ID, DOMAIN, HTTP_DATE, NOW_SECS, REGION, SECRET, SERVICE,
    Setup, TEMPORARY_KEY_ID, TOKEN,
};
pub use sign::{
    SIGNATURE_PLACEHOLDER, encode, fill_signature, good_signed_headers, sigv2_signature,
    sigv4_signature,
};
