//! The browser app as the server delivers it: files, the fallback to `index.html` for the
//! app's own paths (the staff console's to its own bundle), caching, compression and the
//! security headers.

use std::io::Read;

use crate::helpers::{spawn_app, TestApp};

const INDEX: &str = "<!DOCTYPE html><html><head>\
<link rel=\"modulepreload\" href=\"/gatehouse-app-0123456789abcdef.js\">\
<script type=\"module\">import init from '/gatehouse-app-0123456789abcdef.js'; init();</script>\
</head><body></body></html>";

async fn app_with_built_files() -> TestApp {
    let app = spawn_app().await;
    std::fs::create_dir_all(&app.static_dir).unwrap();
    std::fs::write(app.static_dir.join("index.html"), INDEX).unwrap();
    std::fs::write(
        app.static_dir.join("gatehouse-app-0123456789abcdef.js"),
        "export default function init() {}\n".repeat(200),
    )
    .unwrap();
    std::fs::write(app.static_dir.join("robots.txt"), "User-agent: *\n").unwrap();
    app
}

async fn get(app: &TestApp, path: &str, gzip: bool) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if gzip {
        request = request.header("Accept-Encoding", "gzip, br;q=0.9");
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> String {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

#[tokio::test]
async fn an_emailed_link_opens_the_apps_page() {
    let app = app_with_built_files().await;
    for path in
        ["/activate/MQ/abc-123", "/password/reset/confirm/MQ/abc-123", "/username/reset/confirm/MQ/x", "/profile"]
    {
        let response = get(&app, path, false).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8");
        assert_eq!(response.text().await.unwrap(), INDEX, "{path}");
    }
}

#[tokio::test]
async fn unknown_api_paths_stay_api_errors() {
    let app = app_with_built_files().await;
    let response = get(&app, "/auth/nothing-here/", false).await;
    assert_eq!(response.status(), 404);
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Not found."}"#);
}

#[tokio::test]
async fn the_page_allows_only_its_own_scripts_and_refuses_framing() {
    let app = app_with_built_files().await;
    let response = get(&app, "/", false).await;
    let csp = header(&response, "content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
        "the start-up script is allowed by its hash: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(header(&response, "referrer-policy"), "no-referrer");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(header(&response, "x-frame-options"), "DENY");
    assert_eq!(header(&response, "cache-control"), "no-cache");
}

#[tokio::test]
async fn fingerprinted_assets_are_cached_for_a_year_and_others_revalidated() {
    let app = app_with_built_files().await;
    let asset = get(&app, "/gatehouse-app-0123456789abcdef.js", false).await;
    assert_eq!(asset.status(), 200);
    assert_eq!(header(&asset, "cache-control"), "public, max-age=31536000, immutable");
    assert!(
        header(&asset, "content-type").starts_with("text/javascript")
            || header(&asset, "content-type").starts_with("application/javascript")
    );
    let plain = get(&app, "/robots.txt", false).await;
    assert_eq!(header(&plain, "cache-control"), "no-cache");
    assert_eq!(plain.text().await.unwrap(), "User-agent: *\n");
}

#[tokio::test]
async fn assets_are_compressed_for_browsers_that_accept_gzip() {
    let app = app_with_built_files().await;
    let original = std::fs::read(app.static_dir.join("gatehouse-app-0123456789abcdef.js")).unwrap();
    let response = get(&app, "/gatehouse-app-0123456789abcdef.js", true).await;
    assert_eq!(header(&response, "content-encoding"), "gzip");
    assert_eq!(header(&response, "vary"), "Accept-Encoding");
    let compressed = response.bytes().await.unwrap();
    assert!(compressed.len() < original.len() / 10);
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..]).read_to_end(&mut decoded).unwrap();
    assert_eq!(decoded, original);

    let identity = get(&app, "/gatehouse-app-0123456789abcdef.js", false).await;
    assert_eq!(header(&identity, "content-encoding"), "");
    assert_eq!(identity.bytes().await.unwrap(), original);
}

#[tokio::test]
async fn a_rebuilt_app_is_served_without_a_restart() {
    let app = app_with_built_files().await;
    get(&app, "/", false).await;
    let rebuilt = INDEX.replace("<body>", "<body><noscript>Enable JavaScript</noscript>");
    std::fs::write(app.static_dir.join("index.html"), &rebuilt).unwrap();
    assert_eq!(get(&app, "/", false).await.text().await.unwrap(), rebuilt);
}

#[tokio::test]
async fn without_a_built_app_the_server_says_how_to_build_it() {
    let app = spawn_app().await;
    let response = get(&app, "/", false).await;
    assert_eq!(response.status(), 200);
    assert!(header(&response, "content-security-policy").contains("frame-ancestors 'none'"));
    assert!(response.text().await.unwrap().contains("scripts/run"));
}

#[tokio::test]
async fn the_app_only_answers_reads() {
    let app = app_with_built_files().await;
    let response = app.client.post(format!("{}/profile", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(header(&response, "allow"), "GET, HEAD");
}

#[tokio::test]
async fn hidden_files_in_the_static_folder_are_never_served() {
    let app = app_with_built_files().await;
    std::fs::write(app.static_dir.join(".env"), "DATABASE_PASSWORD=hunter2").unwrap();
    std::fs::create_dir_all(app.static_dir.join(".git")).unwrap();
    std::fs::write(app.static_dir.join(".git").join("config"), "[remote] url = secret").unwrap();
    for path in ["/.env", "/.git/config", "/%2Eenv"] {
        let answer = get(&app, path, false).await;
        let body = answer.text().await.unwrap();
        assert!(!body.contains("hunter2") && !body.contains("secret"), "{path} was served: {body}");
    }
}

#[tokio::test]
async fn with_hsts_configured_every_answer_asks_for_https_and_by_default_none_does() {
    let app = crate::helpers::spawn_app_with(&[("HSTS_SECONDS", "31536000")]).await;
    for path in ["/auth/users/me/", "/auth/jwt/create/", "/profile"] {
        let answer = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        let hsts = answer.headers().get("strict-transport-security").map(|value| value.to_str().unwrap().to_owned());
        assert_eq!(hsts.as_deref(), Some("max-age=31536000; includeSubDomains"), "{path}");
    }
    let plain = spawn_app().await;
    let answer = plain.client.get(format!("{}/auth/users/me/", plain.address)).send().await.unwrap();
    assert!(answer.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn the_builds_brotli_copy_is_sent_to_browsers_that_accept_brotli_and_gzip_to_the_others() {
    let app = app_with_built_files().await;
    let name = "gatehouse-app-0123456789abcdef.js";
    let brotli = b"\x1b\x0b\x00\xf8brotli stream as the build wrote it".to_vec();
    std::fs::write(app.static_dir.join(format!("{name}.br")), &brotli).unwrap();
    let request = |accept: &str| {
        app.client.get(format!("{}/{name}", app.address)).header("Accept-Encoding", accept.to_owned()).send()
    };

    let browser = request("gzip, deflate, br, zstd").await.unwrap();
    assert_eq!(header(&browser, "content-encoding"), "br");
    assert_eq!(header(&browser, "vary"), "Accept-Encoding");
    assert_eq!(browser.bytes().await.unwrap(), brotli);
    let refused = request("br;q=0, gzip").await.unwrap();
    assert_eq!(header(&refused, "content-encoding"), "gzip");
    let gzip_only = request("gzip").await.unwrap();
    assert_eq!(header(&gzip_only, "content-encoding"), "gzip");
}

const CONSOLE_INDEX: &str = "<!DOCTYPE html><html><head>\
<script type=\"module\">import init from '/console/gatehouse-console-0123456789abcdef.js'; init();</script>\
</head><body></body></html>";

/// The sources `'sha256-…'` of a Content-Security-Policy.
fn script_hashes(csp: &str) -> Vec<String> {
    csp.split(['\'', ' ', ';']).filter(|source| source.starts_with("sha256-")).map(str::to_owned).collect()
}

#[tokio::test]
async fn the_staff_consoles_pages_are_its_own_bundles_and_every_other_page_the_apps() {
    let app = app_with_built_files().await;
    let console = app.static_dir.join("console");
    std::fs::create_dir_all(&console).unwrap();
    std::fs::write(console.join("index.html"), CONSOLE_INDEX).unwrap();
    let script = "export default function init() {}\n".repeat(100);
    std::fs::write(console.join("gatehouse-console-0123456789abcdef.js"), &script).unwrap();
    std::fs::write(console.join("gatehouse-console-0123456789abcdef.js.br"), b"brotli as the build wrote it").unwrap();

    let app_hashes = script_hashes(&header(&get(&app, "/profile", false).await, "content-security-policy"));
    let mut console_hashes = Vec::new();
    for path in ["/console", "/console/", "/console/users/4", "/console/audit?user=1&page=2"] {
        let response = get(&app, path, false).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(header(&response, "cache-control"), "no-cache", "{path}");
        console_hashes = script_hashes(&header(&response, "content-security-policy"));
        assert_eq!(response.text().await.unwrap(), CONSOLE_INDEX, "{path}");
    }
    assert_eq!(console_hashes.len(), 1, "the console's start-up script is allowed by its hash");
    assert_eq!(app_hashes.len(), 1);
    assert_ne!(console_hashes, app_hashes, "each page allows its own start-up script only");
    for path in ["/", "/profile", "/consoles", "/users/4"] {
        assert_eq!(get(&app, path, false).await.text().await.unwrap(), INDEX, "{path}");
    }

    let asset = app
        .client
        .get(format!("{}/console/gatehouse-console-0123456789abcdef.js", app.address))
        .header("Accept-Encoding", "gzip, br")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&asset, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(header(&asset, "content-encoding"), "br");
    assert_eq!(asset.bytes().await.unwrap(), &b"brotli as the build wrote it"[..]);

    // A page file asked for by its name allows its own start-up script too.
    let direct = get(&app, "/console/index.html", false).await;
    assert_eq!(script_hashes(&header(&direct, "content-security-policy")), console_hashes);

    // Without the console's bundle, its pages get the app's index (which says there is
    // nothing there).
    std::fs::remove_dir_all(&console).unwrap();
    assert_eq!(get(&app, "/console/users/4", false).await.text().await.unwrap(), INDEX);
}
