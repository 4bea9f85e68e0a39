//! `POST /api/v1/hi1`: ETSI TS 103 120 (HI-1) messages from an authority, in XML or
//! their JSON encoding. HTTP only; the desk ([`crate::access::Hi1Desk`]) takes them.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::ApiError;
use writ_app::access::Hi1Encoding;

use crate::access::{AgencyUser, AppState};
use crate::error::responses::{NotAgency, ServerError, Unauthorized};

/// The largest message taken: a signed order of 10 MB is 13.4 MB in base64, and a
/// message past the task limit must still be read to be refused by name.
pub(crate) const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

/// Send an HI-1 message
///
/// `POST /api/v1/hi1`: an ETSI TS 103 120 `HI1Message` (V1.23.1 schemas; the EU
/// e-Evidence profile's `EPOCLegalType` among the legal types), as XML
/// (`application/xml`) or in its JSON encoding (`application/json`); without either
/// type, the body's first character decides. For an authority's account.
///
/// It takes `CREATE` of `AuthorisationObject`, `LDTaskObject`, `LPTaskObject` and
/// `DocumentObject` (one case per authorisation, through the same policy engine as
/// `POST /api/v1/demands`; a PDF document associated with the authorisation is the
/// signed order), `GET` and `LIST` of the sender's own objects with their statuses,
/// and `UPDATE` of a task's or an authorisation's `DesiredStatus` to `Cancelled`
/// (withdrawing the case with its authorisation or its last task). A message is taken
/// whole or not at all; only an object writ does not keep (an `LDDestinationObject`)
/// or a verb it does not take (`DELIVER`) gets its own `ErrorInformation` in its
/// `ActionResponse`, beside the rest. A `TransactionIdentifier` the sender used before
/// changes nothing and is answered as the first time.
///
/// The answer is always an `HI1Message` in the request's encoding, with a
/// `ResponsePayload`: one `ActionResponse` per `ActionIdentifier`, or, for a message
/// refused, one `ErrorInformation` whose `ErrorDescription` begins with the path of the
/// element at fault (`HI1Message/Payload/RequestPayload/ActionRequests/ActionRequest[1]/…`).
#[utoipa::path(
    post,
    path = "/api/v1/hi1",
    tag = "authorities",
    request_body(
        description = "An `HI1Message` with a `RequestPayload`: XML in the `http://uri.etsi.org/03120/common/2019/10/Core` namespace, or its JSON encoding (`{\"@xmlns\": …, \"Header\": …, \"Payload\": …}`).",
        content(
            (String = "application/xml"),
            (Object = "application/json"),
        ),
    ),
    responses(
        (status = 200, description = "The `HI1Message` answering it, in the request's encoding: a `ResponsePayload` with an `ActionResponse` per action, or an `ErrorInformation` (`ErrorCode` 1000 syntax, 1001 namespace, 2000 content, 2001 unsupported, 3000 association, 4000 limit) when the message is refused and nothing was taken.",
            content(
                (String = "application/xml"),
                (Object = "application/json"),
            )),
        (status = 413, description = "The message is larger than 32 MiB.", body = crate::error::ErrorBody,
            example = json!({"error": "length limit exceeded"})),
        Unauthorized, NotAgency, ServerError,
    ),
    security(("api_token" = []), ("session" = [], "csrf" = [])),
)]
pub(crate) async fn receive_hi1_message(
    State(state): State<AppState>,
    agency: AgencyUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let encoding = encoding(&headers, &body);
    let reply = agency.hi1_desk(&state).receive(&body, encoding).await?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, reply.media_type)],
        reply.body,
    )
        .into_response())
}

/// XML or JSON: as `Content-Type` says, else as the body begins.
fn encoding(headers: &HeaderMap, body: &[u8]) -> Hi1Encoding {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if declared.contains("xml") {
        return Hi1Encoding::Xml;
    }
    if declared.contains("json") {
        return Hi1Encoding::Json;
    }
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => Hi1Encoding::Xml,
        _ => Hi1Encoding::Json,
    }
}
