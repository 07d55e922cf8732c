//! The local API's refusals are `{"error": ...}` (`docs/edge-api.md`), also where axum itself
//! refuses a request before a handler runs: [`Form`] reads a JSON body and answers a body that
//! does not read with a 400 naming what is wrong (axum's `Json` answers plain text, 422 for a
//! value of the wrong type); [`as_json_error`] gives any other plain-text refusal under `/api/`
//! (a path segment that is not a number, a route or method not served) the same shape, keeping
//! its status.

use super::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;

/// A JSON form; one that does not read is refused with `{"error": ...}`.
pub struct Form<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(form)) => Ok(Form(form)),
            Err(refused) => Err(refused_form(&refused)),
        }
    }
}

fn refused_form(refused: &JsonRejection) -> ApiError {
    if refused.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the form is over the {} bytes a JSON form may have: send less",
                super::MAX_FORM_BYTES
            ),
        );
    }
    ApiError(
        StatusCode::BAD_REQUEST,
        format!(
            "the form does not read: {} (docs/edge-api.md gives each form)",
            refused.body_text()
        ),
    )
}

/// The largest plain-text refusal carried over into `{"error": ...}`.
const MAX_REFUSAL_BYTES: usize = 16 * 1024;

/// A 4xx or 5xx answer that is not JSON (axum's own refusals are plain text) as
/// `{"error": "<its text>"}` with the same status; any other answer as it is.
pub async fn as_json_error(response: Response) -> Response {
    let status = response.status();
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let text = match axum::body::to_bytes(response.into_body(), MAX_REFUSAL_BYTES).await {
        Ok(bytes) if !bytes.is_empty() => String::from_utf8_lossy(&bytes).trim().to_owned(),
        _ => status
            .canonical_reason()
            .unwrap_or("refused")
            .to_lowercase(),
    };
    let text = match status {
        StatusCode::NOT_FOUND => {
            format!("{text}: no such route in this API (docs/edge-api.md lists them)")
        }
        StatusCode::METHOD_NOT_ALLOWED => {
            format!("{text}: this route does not take that method (docs/edge-api.md)")
        }
        _ => text,
    };
    ApiError(status, text).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    #[derive(serde::Deserialize, Debug)]
    struct Days {
        #[allow(dead_code)]
        days: Option<u32>,
    }

    async fn error_of(response: Response) -> (StatusCode, serde_json::Value) {
        let status = response.status();
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/json",
            "{status}"
        );
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn post(body: &str) -> Request {
        Request::post("/api/archive/run")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap()
    }

    #[tokio::test]
    async fn a_form_that_does_not_read_is_a_400_with_an_error_answer() {
        // Found by schemathesis: these were plain-text answers, the last two 422.
        for body in ["\u{0}", "{\"days\": -1}", "[null, null]"] {
            let Err(refused) = Form::<Days>::from_request(post(body), &()).await else {
                panic!("{body} was read");
            };
            let (status, answer) = error_of(refused.into_response()).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            let error = answer["error"].as_str().unwrap();
            assert!(error.starts_with("the form does not read: "), "{error}");
        }
        assert!(Form::<Days>::from_request(post("{\"days\": 3}"), &())
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn a_plain_text_refusal_becomes_an_error_answer_with_its_status() {
        let plain = (StatusCode::BAD_REQUEST, "Invalid URL: cannot parse `-1`").into_response();
        let (status, answer) = error_of(as_json_error(plain).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(answer["error"], "Invalid URL: cannot parse `-1`");
        let (status, answer) =
            error_of(as_json_error(StatusCode::NOT_FOUND.into_response()).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(answer["error"].as_str().unwrap().contains("no such route"));
        // Answers that are not refusals, and JSON refusals, pass as they are.
        let pdf = ([(header::CONTENT_TYPE, "application/pdf")], "%PDF").into_response();
        assert_eq!(
            as_json_error(pdf).await.headers()[header::CONTENT_TYPE],
            "application/pdf"
        );
    }
}
