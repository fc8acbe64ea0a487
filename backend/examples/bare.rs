//! The machine's ceiling for the load benchmark: an actix-web handler that returns a small
//! JSON body and does nothing else. `scripts/bench` reports every Gatehouse figure as a ratio
//! to this one, measured in the same run.

use actix_web::{web, App, HttpResponse, HttpServer};

async fn hello() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(r#"{"ok":true}"#)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8099".into());
    HttpServer::new(|| App::new().route("/", web::to(hello))).bind(bind)?.run().await
}
