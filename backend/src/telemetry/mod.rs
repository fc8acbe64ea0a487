//! Logging: human-readable lines in development, JSON lines in production, one line per
//! request. Nothing secret is ever recorded: a request is logged by its route (the pattern it
//! matched, or the e-mailed link's shape with `{uid}` and `{token}` in place of its values),
//! never by its path or query.
//!
//! Lines are written by a thread of their own (`writer.rs`): a request composes its line
//! (`request_line.rs`) and appends it to a buffer, and never waits for standard output. The
//! buffer is bounded; when the writer falls that far behind, new lines are dropped and counted,
//! and the count is reported on standard error.

mod request_line;
mod writer;

use std::borrow::Cow;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest};
use tracing_subscriber::EnvFilter;

/// The installed log: its writer thread, until [`flush`]; the handle lines are written to,
/// which counts dropped lines; and the shape of the request line when it is written directly
/// (`None`: through the subscriber, for a terminal's colours).
struct Log {
    closer: Mutex<writer::Closer>,
    lines: writer::Batched,
    direct: Option<request_line::Shape>,
}

static LOG: OnceLock<Log> = OnceLock::new();

/// Installs the global subscriber once; later calls (tests) do nothing.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_env("GATEHOUSE_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout()) && std::env::var_os("NO_COLOR").is_none();
    let (lines, mut closer) = writer::spawn(std::io::stdout());
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(ansi).with_writer(lines.clone());
    let installed = if json { builder.json().try_init() } else { builder.try_init() };
    let direct = match (ansi, json) {
        (true, _) => None,
        (false, false) => Some(request_line::Shape::Text),
        (false, true) => Some(request_line::Shape::Json),
    };
    match installed {
        Ok(()) => {
            let _ = LOG.set(Log { closer: Mutex::new(closer), lines, direct });
        }
        Err(_) => closer.close(),
    }
}

/// Writes out the lines still queued: before the process exits.
pub fn flush() {
    if let Some(Log { closer, .. }) = LOG.get() {
        closer.lock().unwrap_or_else(std::sync::PoisonError::into_inner).close();
    }
}

/// Every ten seconds, says on standard error how many log lines were dropped since the last
/// report, if any.
pub fn spawn_dropped_lines_report() {
    let Some(Log { lines, .. }) = LOG.get() else { return };
    tokio::spawn(async move {
        let mut reported = 0;
        let mut every = tokio::time::interval(Duration::from_secs(10));
        loop {
            every.tick().await;
            let now = lines.dropped_lines();
            if now > reported {
                eprintln!("gatehouse: {} log lines dropped: the log's reader did not keep up", now - reported);
                reported = now;
            }
        }
    });
}

/// The shapes of the app paths e-mailed links open (`activate/{uid}/{token}`, …), segment by
/// segment, registered as application data.
#[derive(Debug, Clone, Default)]
pub struct LinkShapes(Vec<Vec<String>>);

impl LinkShapes {
    pub fn new<'a>(templates: impl IntoIterator<Item = &'a str>) -> Self {
        let shapes = templates
            .into_iter()
            .map(|template| template.split('?').next().unwrap_or("").split('/').map(str::to_owned).collect())
            .collect();
        Self(shapes)
    }

    /// `path` with the values of a link's placeholders replaced by their names, when it has
    /// the shape of a link; `None` otherwise.
    fn redact(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.trim_start_matches('/').trim_end_matches('/').split('/').collect();
        let shape = self.0.iter().find(|shape| {
            shape.len() == segments.len()
                && shape.iter().zip(&segments).all(|(part, segment)| is_placeholder(part) || part == segment)
        })?;
        Some(format!("/{}", shape.join("/")))
    }
}

fn is_placeholder(part: &str) -> bool {
    part.starts_with('{') && part.ends_with('}')
}

/// The name of a route in the log: its pattern with the segments' expressions left out
/// (`{id:[^/.]+}` written `{id}`). Each resource of the route table carries its own as resource
/// data, so a request's line names its route without matching the path a second time.
#[derive(Debug, Clone)]
pub struct RouteName(Box<str>);

impl RouteName {
    pub fn of_pattern(pattern: &str) -> Self {
        let mut named = String::with_capacity(pattern.len());
        let mut in_regex = false;
        for c in pattern.chars() {
            match c {
                ':' if !in_regex && named.ends_with(|c: char| c.is_alphanumeric() || c == '_') => in_regex = true,
                '}' => {
                    in_regex = false;
                    named.push(c);
                }
                _ if in_regex => {}
                _ => named.push(c),
            }
        }
        Self(named.into_boxed_str())
    }
}

/// How a request is named in the log: its route's name, a link's shape, or the path of
/// anything else the app serves.
fn route_of(request: &HttpRequest) -> Cow<'_, str> {
    if let Some(RouteName(name)) = request.app_data::<RouteName>() {
        return Cow::Borrowed(name);
    }
    let path = request.path();
    match request.app_data::<web::Data<LinkShapes>>().and_then(|shapes| shapes.redact(path)) {
        Some(shape) => Cow::Owned(shape),
        None => Cow::Borrowed(path),
    }
}

/// The request event, through the subscriber.
fn event(request: &request_line::Request<'_>) {
    tracing::info!(
        method = %request.method,
        route = %request.route,
        status = request.status,
        millis = %request_line::Millis(request.took),
        "request"
    );
}

/// One log line per request: method, route, status and duration. With request lines filtered
/// out (`GATEHOUSE_LOG=warn`), nothing is copied for them.
pub async fn log_request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if !tracing::enabled!(tracing::Level::INFO) {
        return next.call(request).await;
    }
    let started = Instant::now();
    let method = request.method().clone();
    let response = next.call(request).await?;
    let route = route_of(response.request());
    let line = request_line::Request {
        method: method.as_str(),
        route: &route,
        status: response.status().as_u16(),
        took: started.elapsed(),
    };
    match LOG.get() {
        Some(Log { lines, direct: Some(shape), .. }) => {
            let mut composed = Vec::with_capacity(160 + route.len());
            request_line::compose(*shape, &line, SystemTime::now(), &mut composed);
            lines.append(&composed);
        }
        _ => event(&line),
    }
    Ok(response)
}

/// An output that keeps what is written, for the tests of what the log writes.
#[cfg(test)]
mod kept {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    pub struct Kept(Arc<Mutex<Vec<u8>>>);

    impl Write for Kept {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Kept {
        pub fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_named_without_their_segments_expressions() {
        assert_eq!(
            &*RouteName::of_pattern("/auth/users/{id:[^/.]+}/sessions/{sid:[^/.]+}/").0,
            "/auth/users/{id}/sessions/{sid}/"
        );
        assert_eq!(&*RouteName::of_pattern("/auth/users/me/").0, "/auth/users/me/");
        assert_eq!(&*RouteName::of_pattern("/o/{provider}/callback").0, "/o/{provider}/callback");
    }

    #[test]
    fn link_paths_are_logged_by_their_shape() {
        let shapes = LinkShapes::new(["activate/{uid}/{token}", "password/reset/confirm/{uid}/{token}", "x?u={uid}"]);
        assert_eq!(shapes.redact("/activate/MQ/cz4k1p-0123abcd"), Some("/activate/{uid}/{token}".into()));
        assert_eq!(
            shapes.redact("/password/reset/confirm/MQ/t/"),
            Some("/password/reset/confirm/{uid}/{token}".into())
        );
        assert_eq!(shapes.redact("/activate/resend"), None);
        assert_eq!(shapes.redact("/profile"), None);
    }
}
