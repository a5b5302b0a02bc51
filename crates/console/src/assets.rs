//! The console's styles and scripts, in the binary. Names carry their
//! version, so they may be cached for long.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Each file: its name under `/assets/`, its type, its bytes.
const FILES: [(&str, &str, &[u8]); 5] = [
    (
        "console-2.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/console.css"),
    ),
    (
        "console-2.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/console.js"),
    ),
    (
        "htmx-2.0.11.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/htmx-2.0.11.min.js"),
    ),
    (
        "uPlot-1.6.32.iife.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/uPlot-1.6.32.iife.min.js"),
    ),
    (
        "uPlot-1.6.32.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/uPlot-1.6.32.min.css"),
    ),
];

pub(crate) async fn serve(Path(file): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, bytes)) => (
            [
                (header::CONTENT_TYPE, *kind),
                // The console's own files change name with their content
                // only by hand: an hour, so a new build is seen soon.
                (header::CACHE_CONTROL, "public, max-age=3600"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
