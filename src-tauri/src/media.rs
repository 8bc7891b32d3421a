//! The `parley-media` URI scheme: attachment images for the window's thumbnails and for the
//! `cid:` images of HTML email, and customers' profile pictures (`/avatar/{identity}`). Bytes come from `Parley::media_image`, which downloads once and
//! serves only PNG, JPEG, GIF and WebP recognised by their bytes; anything else is refused, and
//! the window shows the attachment's chip instead. It also takes the link clicks of email frames
//! (`/link?u=…`), which open in the system browser.

use parley_core::Parley;
use parley_core::avatars::parse_avatar_path;
use parley_core::links::validate_link;
use parley_core::media::{MEDIA_SCHEME, parse_link_request, parse_media_path};
use std::sync::Arc;
use tauri::http::{Response, StatusCode, header};

pub fn register(
    builder: tauri::Builder<tauri::Wry>,
    core: Option<Arc<Parley>>,
) -> tauri::Builder<tauri::Wry> {
    builder.register_asynchronous_uri_scheme_protocol(
        MEDIA_SCHEME,
        move |_ctx, request, responder| {
            // A link clicked in an email's frame (see `parley_core::media::link_url`): opened
            // by the system, validated again here; 204 keeps the frame on the mail.
            if let Some(link) = parse_link_request(request.uri().path(), request.uri().query()) {
                let status = match validate_link(&link) {
                    Ok(url) => {
                        if let Err(e) = open::that_detached(url.as_str()) {
                            tracing::warn!("the system could not open a link: {e}");
                        }
                        StatusCode::NO_CONTENT
                    }
                    Err(_) => StatusCode::BAD_REQUEST,
                };
                responder.respond(refusal(status));
                return;
            }
            let core = core.clone();
            // A customer's profile picture (the context pane).
            if let Some(identity) = parse_avatar_path(request.uri().path()) {
                tauri::async_runtime::spawn(async move {
                    let response = match core {
                        Some(core) => match core.avatar_image(identity).await {
                            Ok(image) => image_response(image.content_type, image.bytes),
                            Err(_) => refusal(StatusCode::NOT_FOUND),
                        },
                        None => refusal(StatusCode::BAD_REQUEST),
                    };
                    responder.respond(response);
                });
                return;
            }
            let target = parse_media_path(request.uri().path());
            tauri::async_runtime::spawn(async move {
                let response = match (core, target) {
                    (Some(core), Some((message, index))) => {
                        match core.media_image(message, index).await {
                            Ok(image) => image_response(image.content_type, image.bytes),
                            Err(e) => {
                                tracing::info!(
                                    message = message.0,
                                    index,
                                    "media refused: {}",
                                    e.message
                                );
                                refusal(StatusCode::NOT_FOUND)
                            }
                        }
                    }
                    _ => refusal(StatusCode::BAD_REQUEST),
                };
                responder.respond(response);
            });
        },
    )
}

fn with_headers(builder: tauri::http::response::Builder) -> tauri::http::response::Builder {
    builder
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        )
        .header(header::CACHE_CONTROL, "private, max-age=3600")
}

fn image_response(content_type: &'static str, bytes: Vec<u8>) -> Response<Vec<u8>> {
    with_headers(Response::builder())
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type)
        .body(bytes)
        .unwrap_or_else(|_| refusal(StatusCode::INTERNAL_SERVER_ERROR))
}

fn refusal(status: StatusCode) -> Response<Vec<u8>> {
    let mut response = Response::new(Vec::new());
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    response
}
