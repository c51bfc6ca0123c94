//! The page's side of live mode: `mqsim serve --http` serves the built
//! playground and, at [`mqsim::live::PATH`], a WebSocket through which the
//! page follows the live run.
//!
//! The page runs its own engine on the run's entries ([`mqsim::live`]), so
//! what goes over the socket is small: the recording once, then the
//! entries as they are made and the moment the server's engine has
//! reached. The page's own actions (a broker killed) come back as asks and
//! become entries like any client's.
//!
//! Two halves, because the engine lives on one thread and the HTTP server's
//! tasks may move between threads:
//! - [`hub`]: a task beside the engine that sends the news to every page
//!   and makes the entries pages ask for;
//! - this module: the HTTP server, the built files, and one task per page
//!   that passes messages between its socket and the hub.

pub mod hub;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use hub::{Hub, Joined};
use mqsim::live::{Ask, News};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio::net::TcpListener;
use tokio::sync::broadcast::error::RecvError;
use tower_http::services::ServeDir;

/// The most a page may send in one message. An ask is a few entries.
const MAX_ASK_BYTES: usize = 64 * 1024;

/// The tag the server adds to the page it serves: the page follows the live
/// run at this path.
const LIVE_TAG: &str = r#"<meta name="mqsim-live" content="/live" />"#;

/// The HTTP server: the built page, and the live run's WebSocket.
pub struct PageServer {
    listener: TcpListener,
    router: axum::Router,
}

impl PageServer {
    /// Listens on `addr`, serving the built page from `dist` (the
    /// `index.html` told to follow the live run) and the WebSocket, whose
    /// news comes from `hub`.
    pub async fn bind(addr: SocketAddr, dist: &Path, hub: Hub) -> std::io::Result<PageServer> {
        let index = std::fs::read_to_string(dist.join("index.html"))
            .map(|html| following(&html))
            .unwrap_or_else(|_| not_built(dist));
        let router = axum::Router::new()
            .route(mqsim::live::PATH, get(live))
            .route("/", get(move || async move { Html(index) }))
            .fallback_service(ServeDir::new(dist))
            .with_state(hub);
        let listener = TcpListener::bind(addr).await?;
        Ok(PageServer { listener, router })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the task is dropped.
    pub async fn run(self) -> std::io::Result<()> {
        axum::serve(self.listener, self.router).await
    }
}

/// Where the built page is: `dist/` in the current directory, else the
/// project's `dist/` beside the `target/` the running binary was built in.
pub fn find_dist() -> PathBuf {
    let here = PathBuf::from("dist");
    if here.join("index.html").is_file() {
        return here;
    }
    let built = std::env::current_exe().ok().and_then(|exe| {
        let project = exe
            .ancestors()
            .find(|dir| dir.ends_with("target"))?
            .parent()?;
        Some(project.join("dist"))
    });
    built
        .filter(|dist| dist.join("index.html").is_file())
        .unwrap_or(here)
}

/// The page, told to follow the live run.
fn following(index: &str) -> String {
    match index.find("</head>") {
        Some(at) => format!("{}{LIVE_TAG}\n{}", &index[..at], &index[at..]),
        None => index.to_string(),
    }
}

/// What `/` says when there is no built page to serve.
fn not_built(dist: &Path) -> String {
    format!(
        "<!doctype html><title>MQ Playground</title><p>The page is not built in {}: run \
         <code>trunk build --release</code> in the project (or <code>./scripts/setup.sh</code>), \
         or give <code>mqsim serve --dist DIR</code>. Clients can connect meanwhile.",
        dist.display()
    )
}

async fn live(upgrade: WebSocketUpgrade, State(hub): State<Hub>) -> Response {
    upgrade
        .max_message_size(MAX_ASK_BYTES)
        .on_upgrade(move |socket| follow(socket, hub))
        .into_response()
}

/// One page's socket: the recording, then the news as it comes, and its
/// asks passed to the hub. A page that does not keep up with the news is
/// told so and let go: it is not kept in memory.
async fn follow(mut socket: WebSocket, hub: Hub) {
    let Some(Joined { start, mut news }) = hub.join().await else {
        return;
    };
    if socket.send(Message::Text(start.into())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            said = news.recv() => match said {
                Ok(text) => {
                    if socket.send(Message::Text((*text).into())).await.is_err() {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    let _ = socket.send(Message::Close(Some(CloseFrame {
                        code: 1008,
                        reason: "the page fell behind the live run; reload to follow it again".into(),
                    }))).await;
                    return;
                }
                Err(RecvError::Closed) => return,
            },
            heard = socket.recv() => match heard {
                Some(Ok(Message::Text(text))) => {
                    let answer = match serde_json::from_str::<Ask>(&text) {
                        Ok(Ask::Act { entries }) => hub.act(entries).await.err(),
                        Err(e) => Some(format!("the server did not understand the page: {e}")),
                    };
                    if let Some(why) = answer {
                        let refused = serde_json::to_string(&News::Refused { why })
                            .unwrap_or_default();
                        if socket.send(Message::Text(refused.into())).await.is_err() {
                            return;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_served_page_is_told_to_follow_the_run() {
        let page = following("<html><head><title>t</title></head><body></body></html>");
        assert_eq!(
            page,
            format!("<html><head><title>t</title>{LIVE_TAG}\n</head><body></body></html>")
        );
    }
}
