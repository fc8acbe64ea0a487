//! The machine's ceiling for the load benchmark: an actix-web handler that returns a small
//! JSON body and does nothing else. `scripts/bench` reports every Gatehouse figure as a ratio
//! to this one, measured in the same run.
//!
//! A POST is answered the same way once its body has been read, as a server must read it
//! before the connection can carry the next request: the ceiling for a request of
//! `jwt/verify/`'s shape (a JSON body in, a short JSON answer out), reported beside it.
//!
//! `bare ADDRESS [WORKERS]`: without a number of worker threads, actix-web's default, one per
//! core, as Gatehouse's.

use actix_web::{web, App, HttpResponse, HttpServer};

async fn hello() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(r#"{"ok":true}"#)
}

async fn hello_after_body(_body: web::Bytes) -> HttpResponse {
    hello().await
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:8099".into());
    let mut server = HttpServer::new(|| {
        App::new().service(web::resource("/").route(web::post().to(hello_after_body)).route(web::to(hello)))
    });
    if let Some(workers) = args.next() {
        server = server.workers(workers.parse().expect("WORKERS: a whole number of threads"));
    }
    server.bind(bind)?.run().await
}
