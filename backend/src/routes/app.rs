//! The browser app: files from `STATIC_DIR`, and its `index.html` for every other path so that
//! e-mailed links open the right page. The app is built in bundles: a folder of `STATIC_DIR`
//! with an `index.html` of its own (the staff console's `console/`) is a bundle whose pages are
//! the paths under its name, and that `index.html` answers them.
//!
//! Every answer carries a Content-Security-Policy that lets only the app's own scripts and wasm
//! run (the inline start-up script trunk writes in each `index.html` is allowed by its hash) and
//! forbids framing.
//! Fingerprinted assets are cached for a year; `index.html` is revalidated on every visit.
//! Text and wasm are sent brotli-compressed when the browser accepts it and the build wrote a
//! `<name>.br` beside the file (`scripts/build-app` does), gzip-compressed otherwise (once per
//! file version); both are kept in memory.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::state::AppState;

const NOT_BUILT: &str =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Gatehouse</title></head>\
<body><main><h1>Gatehouse</h1><p>The API is running under <code>/auth/</code>. \
The browser app has not been built into the static folder: run <code>scripts/run</code>, \
which builds it.</p></main></body></html>";

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub async fn serve(request: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return HttpResponse::MethodNotAllowed().insert_header(("Allow", "GET, HEAD")).finish();
    }
    let root = &state.settings.static_dir;
    let (path, is_index) = match static_file(root, request.path()) {
        Some(file) => (file, false),
        None => (index_for(root, request.path()), true),
    };
    let Some(file) = load(&path) else {
        return with_security(HttpResponse::Ok(), "").content_type("text/html; charset=utf-8").body(NOT_BUILT);
    };
    // Empty but for HTML files: each page allows the scripts written in it, and no other.
    let mut response = with_security(HttpResponse::Ok(), &file.inline_script_hashes);
    response.content_type(file.content_type.clone());
    response.insert_header((header::CACHE_CONTROL, cache_control(&path, is_index)));
    if file.gzipped.is_some() || file.brotli.is_some() {
        response.insert_header((header::VARY, "Accept-Encoding"));
    }
    if let Some(brotli) = file.brotli.as_ref().filter(|_| accepts(&request, "br")) {
        response.insert_header((header::CONTENT_ENCODING, "br"));
        return response.body(brotli.clone());
    }
    if let Some(gzipped) = file.gzipped.as_ref().filter(|_| accepts(&request, "gzip")) {
        response.insert_header((header::CONTENT_ENCODING, "gzip"));
        return response.body(gzipped.clone());
    }
    response.body(file.bytes.clone())
}

/// The app's security headers (nosniff and no-referrer come from the server-wide defaults).
fn with_security(mut response: actix_web::HttpResponseBuilder, inline_scripts: &str) -> actix_web::HttpResponseBuilder {
    response.insert_header((header::CONTENT_SECURITY_POLICY, content_security_policy(inline_scripts)));
    response.insert_header((header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")));
    response
}

/// Only the app's own origin; wasm may be compiled; no plugins, no framing, no foreign forms.
fn content_security_policy(inline_scripts: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{inline_scripts}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

fn cache_control(path: &Path, is_index: bool) -> &'static str {
    let name = path.file_name().and_then(|name| name.to_str()).unwrap_or("");
    if !is_index && is_fingerprinted(name) {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

/// Whether a file name carries a content hash, as trunk writes them
/// (`gatehouse-app-0123456789abcdef_bg.wasm`, `main-0123456789abcdef.css`). The hash is a
/// 64-bit number in hex without leading zeros: one build in sixteen has 15 digits or fewer.
fn is_fingerprinted(name: &str) -> bool {
    name.split('-').skip(1).any(|piece| {
        let hex = piece.chars().take_while(char::is_ascii_hexdigit).count();
        hex >= 12 && matches!(piece[hex..].chars().next(), None | Some('.') | Some('_'))
    })
}

/// Whether `Accept-Encoding` takes `coding` (by name or `*`, and not with `q=0`).
fn accepts(request: &HttpRequest, coding: &str) -> bool {
    let Some(value) = request.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let named = parts.next().unwrap_or("");
        let refused =
            parts.any(|param| matches!(param.strip_prefix("q="), Some(q) if q.parse::<f32>().is_ok_and(|q| q == 0.0)));
        (named.eq_ignore_ascii_case(coding) || named == "*") && !refused
    })
}

/// A file as it is served.
struct Loaded {
    bytes: web::Bytes,
    gzipped: Option<web::Bytes>,
    /// The build's `<name>.br`, when it wrote one.
    brotli: Option<web::Bytes>,
    content_type: String,
    /// `'sha256-…'` sources for the inline scripts of an HTML file, each preceded by a space.
    inline_script_hashes: String,
}

type Version = (PathBuf, Option<SystemTime>, u64);
type Cache = HashMap<PathBuf, (Version, Arc<Loaded>)>;

static LOADED: LazyLock<Mutex<Cache>> = LazyLock::new(Default::default);

/// Reads a file once per version (path, modification time, size): a rebuilt app is picked up.
fn load(path: &Path) -> Option<Arc<Loaded>> {
    let metadata = std::fs::metadata(path).ok().filter(|m| m.is_file())?;
    let version = (path.to_path_buf(), metadata.modified().ok(), metadata.len());
    if let Some((seen, loaded)) = LOADED.lock().expect("asset cache poisoned").get(path) {
        if *seen == version {
            return Some(loaded.clone());
        }
    }
    let bytes = std::fs::read(path).ok()?;
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let mime = actix_files::file_extension_to_mime(extension);
    let content_type = if mime.type_() == "text" && mime.get_param("charset").is_none() {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    };
    let compressible = matches!(extension, "html" | "js" | "mjs" | "css" | "wasm" | "svg" | "json" | "txt" | "map");
    let gzipped = (compressible && bytes.len() > 1024).then(|| gzip(&bytes)).flatten().map(web::Bytes::from);
    let inline_script_hashes =
        if extension == "html" { inline_script_hashes(&String::from_utf8_lossy(&bytes)) } else { String::new() };
    let brotli = compressible
        .then(|| std::fs::read(path.with_file_name(format!("{}.br", file_name(path)))))
        .and_then(Result::ok);
    let loaded = Arc::new(Loaded {
        bytes: web::Bytes::from(bytes),
        gzipped,
        brotli: brotli.map(web::Bytes::from),
        content_type,
        inline_script_hashes,
    });
    LOADED.lock().expect("asset cache poisoned").insert(path.to_path_buf(), (version, loaded.clone()));
    Some(loaded)
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|name| name.to_str()).unwrap_or("")
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// The CSP hash sources of the inline `<script>` elements of a page.
fn inline_script_hashes(html: &str) -> String {
    let mut sources = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        rest = &rest[start..];
        let Some(open_end) = rest.find('>') else { break };
        let opening = &rest[..open_end];
        let body_and_more = &rest[open_end + 1..];
        let Some(close) = body_and_more.find("</script>") else { break };
        if !opening.contains("src=") {
            let digest = Sha256::digest(&body_and_more.as_bytes()[..close]);
            sources.push_str(&format!(" 'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &body_and_more[close..];
    }
    sources
}

/// The file a path names inside `root`, refusing anything that would leave it.
fn static_file(root: &Path, path: &str) -> Option<PathBuf> {
    let relative = Path::new(path.trim_start_matches('/'));
    if relative.as_os_str().is_empty() || !relative.components().all(plain) {
        return None;
    }
    let file = root.join(relative);
    file.is_file().then_some(file)
}

/// Only plain names, and no hidden file (`.env`, `.git/…`) is ever served.
fn plain(component: Component<'_>) -> bool {
    matches!(component, Component::Normal(name) if !name.to_string_lossy().starts_with('.'))
}

/// The `index.html` of the page at `path`: that of the bundle named by the path's first
/// segment (`/console/users/4` is the staff console's page), or the app's.
fn index_for(root: &Path, path: &str) -> PathBuf {
    let first = Path::new(path.trim_start_matches('/').split('/').next().unwrap_or_default());
    if !first.as_os_str().is_empty() && first.components().all(plain) {
        let index = root.join(first).join("index.html");
        if index.is_file() {
            return index;
        }
    }
    root.join("index.html")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape_the_static_folder() {
        let root = std::env::temp_dir();
        assert_eq!(static_file(&root, "/../etc/passwd"), None);
        assert_eq!(static_file(&root, "/"), None);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "SECRET=1").unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        std::fs::write(dir.path().join(".git").join("config"), "x").unwrap();
        assert_eq!(static_file(dir.path(), "/.env"), None);
        assert_eq!(static_file(dir.path(), "/.git/config"), None);
    }

    #[test]
    fn a_bundles_pages_get_its_index_and_no_path_leaves_the_static_folder() {
        let dir = tempfile::tempdir().unwrap();
        // A bundle outside the static folder, which no path may reach.
        std::fs::create_dir_all(dir.path().join("console")).unwrap();
        std::fs::write(dir.path().join("console").join("index.html"), "outside").unwrap();
        let root = dir.path().join("dist");
        std::fs::create_dir_all(root.join("console")).unwrap();
        std::fs::write(root.join("console").join("index.html"), "console").unwrap();
        // A folder without an index of its own is no bundle.
        std::fs::create_dir_all(root.join("empty")).unwrap();
        let (app, console) = (root.join("index.html"), root.join("console").join("index.html"));
        for path in ["/console", "/console/", "/console/users/4", "/console/audit"] {
            assert_eq!(index_for(&root, path), console, "{path}");
        }
        for path in ["/", "/profile", "/consoles", "/empty/page", "/../console", "/./console", "/.console"] {
            assert_eq!(index_for(&root, path), app, "{path}");
        }
    }

    #[test]
    fn trunks_fingerprinted_names_are_recognised() {
        assert!(is_fingerprinted("gatehouse-app-0123456789abcdef_bg.wasm"));
        assert!(is_fingerprinted("gatehouse-app-c182a16de5d70d4_bg.wasm"), "a hash of 15 digits");
        assert!(is_fingerprinted("gatehouse-app-0123456789abcdef.js"));
        assert!(is_fingerprinted("main-fedcba9876543210.css"));
        assert!(!is_fingerprinted("index.html"));
        assert!(!is_fingerprinted("gatehouse-app.js"));
        assert!(!is_fingerprinted("main-deadbeef.css"));
    }

    #[test]
    fn only_inline_scripts_are_hashed() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"init()"));
        assert_eq!(inline_script_hashes(html), format!(" 'sha256-{expected}'"));
    }
}
