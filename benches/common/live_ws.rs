//! The dashboard's live WebSocket as a bench client opens it (ws_load, soak): the
//! upgrade request to `/api/live` on 127.0.0.1 with the key as a bearer token.

use tokio_tungstenite::tungstenite::http::{Error, Request};

pub fn request(port: u16, key: &str) -> Result<Request<()>, Error> {
    Request::builder()
        .uri(format!("ws://127.0.0.1:{port}/api/live"))
        .header("Host", format!("127.0.0.1:{port}"))
        .header("Authorization", format!("Bearer {key}"))
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header(
            "Sec-WebSocket-Key",
            tokio_tungstenite::tungstenite::handshake::client::generate_key(),
        )
        .body(())
}
