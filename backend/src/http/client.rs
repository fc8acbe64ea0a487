//! Who is on the other end of a request: the client's address, as throttling sees it.

use std::net::{IpAddr, SocketAddr};

use actix_web::http::header;
use actix_web::HttpRequest;

use crate::domain::audit::Origin;

/// The proxies whose `X-Forwarded-For` is believed (`GATEHOUSE_TRUSTED_PROXIES`), registered
/// once as application data.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

/// Where a request comes from: the client's address and its user agent.
pub fn origin_of(request: &HttpRequest, trusted: &[IpAddr]) -> Origin {
    let user_agent = request.headers().get(header::USER_AGENT).map(|value| String::from_utf8_lossy(value.as_bytes()));
    Origin::new(client_address(request, trusted), &user_agent.unwrap_or_default())
}

/// The client's address: the socket's peer or, when the peer is a trusted proxy, the entry of
/// `X-Forwarded-For` the last trusted proxy wrote. The header is read from the right, past
/// the trusted proxies' own entries, and the first other entry is the client, whatever it
/// holds: an entry the client wrote itself, further left, is never reached.
pub fn client_address(request: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(peer) = request.peer_addr().map(|addr| addr.ip()) else { return "unknown".to_owned() };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let headers: Vec<&str> =
        request.headers().get_all("x-forwarded-for").filter_map(|value| value.to_str().ok()).collect();
    let entries = headers.iter().flat_map(|value| value.split(',')).map(str::trim).filter(|entry| !entry.is_empty());
    for entry in entries.rev() {
        match address_of(entry) {
            Some(address) if trusted.contains(&address) => continue,
            Some(address) => return address.to_string(),
            None => return format!("unparsed:{}", entry.escape_debug()),
        }
    }
    peer.to_string()
}

/// An entry of `X-Forwarded-For`: `ip`, `ip:port`, `[v6]` or `[v6]:port`.
fn address_of(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|socket| socket.ip()))
        .or_else(|| entry.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_entries_are_read_with_or_without_a_port() {
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(address_of("203.0.113.7"), Some(v4));
        assert_eq!(address_of("203.0.113.7:4711"), Some(v4));
        assert_eq!(address_of("2001:db8::1"), Some(v6));
        assert_eq!(address_of("[2001:db8::1]"), Some(v6));
        assert_eq!(address_of("[2001:db8::1]:443"), Some(v6));
        assert_eq!(address_of("unknown"), None);
        assert_eq!(address_of("_hidden"), None);
    }
}
