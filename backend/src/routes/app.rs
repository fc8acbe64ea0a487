//! The browser app: files from `STATIC_DIR`, and its `index.html` for every other path so that
//! e-mailed links open the right page.

use std::path::{Component, Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse, Responder};

use crate::state::AppState;

const NOT_BUILT: &str =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Gatehouse</title></head>\
<body><main><h1>Gatehouse</h1><p>The API is running under <code>/auth/</code>. \
The browser app has not been built into the static folder.</p></main></body></html>";

pub async fn serve(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return HttpResponse::MethodNotAllowed().insert_header(("Allow", "GET, HEAD")).finish();
    }
    let root = &state.settings.static_dir;
    if let Some(file) = static_file(root, request.path()) {
        if let Ok(named) = NamedFile::open(&file) {
            return named.respond_to(&request).map_into_boxed_body();
        }
    }
    match NamedFile::open(root.join("index.html")) {
        Ok(index) => index.respond_to(&request).map_into_boxed_body(),
        Err(_) => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(NOT_BUILT),
    }
}

/// The file a path names inside `root`, refusing anything that would leave it.
fn static_file(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    if relative.as_os_str().is_empty() || relative.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let file = root.join(relative);
    file.is_file().then_some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_static_folder() {
        let root = std::env::temp_dir();
        assert_eq!(static_file(&root, "/../etc/passwd"), None);
        assert_eq!(static_file(&root, "/"), None);
    }
}
