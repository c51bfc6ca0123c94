//! The page's side of `mqsim serve`: the built page, told to follow the
//! live run, and the WebSocket through which it does. A page hears the
//! recording when it joins, then every entry as it is made, each after the
//! edge the page last heard (so the page may run up to the edge and be
//! sure); its asks become entries like a client's, and what the run cannot
//! take, or what is not an ask, is refused in words with the socket kept.

use futures_util::{SinkExt, StreamExt};
use mqsim::ids::BrokerId;
use mqsim::live::{Ask, News};
use mqsim::scenario::TimelineEntry;
use mqsim_live::broker::{Broker, Shared, blank, keep_time};
use mqsim_live::page::PageServer;
use mqsim_live::page::hub::Hub;
use serde_json::json;
use std::net::SocketAddr;
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn on_one_thread<F: Future>(test: F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    tokio::task::LocalSet::new().block_on(&runtime, test)
}

/// A live run of the blank scenario with its page server on a free port.
async fn serve(dist: &Path) -> (Shared, SocketAddr) {
    let broker = Shared::new(Broker::new(blank(), None));
    let (hub, hub_task) = Hub::new(broker.clone());
    tokio::task::spawn_local(hub_task);
    tokio::task::spawn_local(keep_time(broker.clone()));
    let server = PageServer::bind("127.0.0.1:0".parse().unwrap(), dist, hub)
        .await
        .expect("listening");
    let addr = server.local_addr().unwrap();
    tokio::task::spawn_local(server.run());
    (broker, addr)
}

async fn join(addr: SocketAddr) -> Socket {
    let url = format!("ws://{addr}{}", mqsim::live::PATH);
    tokio_tungstenite::connect_async(url)
        .await
        .expect("joined")
        .0
}

async fn hear(socket: &mut Socket) -> News {
    loop {
        let heard = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next()).await;
        match heard.expect("news within 5 s") {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).expect("news"),
            Some(Ok(_)) => continue,
            other => panic!("the socket ended: {other:?}"),
        }
    }
}

/// Hears news until entries come; checks each is after the edge heard
/// before it.
async fn entries(socket: &mut Socket, edge: &mut u64) -> Vec<TimelineEntry> {
    loop {
        match hear(socket).await {
            News::Grew {
                entries, edge_ms, ..
            } => {
                for entry in &entries {
                    assert!(entry.at_ms > *edge, "{entry:?} after the edge {edge}");
                }
                *edge = edge_ms;
                if !entries.is_empty() {
                    return entries;
                }
            }
            other => panic!("not growth: {other:?}"),
        }
    }
}

fn entry(action: serde_json::Value) -> TimelineEntry {
    let mut entry = action;
    entry["at_ms"] = json!(0);
    serde_json::from_value(entry).expect("an entry")
}

async fn say(socket: &mut Socket, text: String) {
    socket.send(Message::Text(text.into())).await.expect("sent");
}

#[test]
fn a_page_hears_the_recording_then_each_entry_as_it_is_made_and_asks_for_its_own() {
    on_one_thread(async {
        let dist = tempdir();
        let (broker, addr) = serve(&dist).await;
        let mut page = join(addr).await;
        let News::Start {
            recording,
            mut edge_ms,
            connections,
        } = hear(&mut page).await
        else {
            panic!("the recording first");
        };
        assert_eq!((recording.name.as_str(), connections), ("Live run", 0));
        assert!(recording.timeline.is_empty());

        // A client's action reaches the page.
        let topic = json!({"do": "topic_create", "topic": {"name": "payments", "partitions": 3, "replication_factor": 3}});
        broker.borrow().apply(entry(topic).action).expect("created");
        let made = entries(&mut page, &mut edge_ms).await;
        assert_eq!(made.len(), 1);
        assert_eq!(made[0].said()[0].1, "topic_create");

        // The page's own ask becomes the run's entry, and reaches it too.
        let kill = entry(json!({"do": "broker_kill", "broker": 1}));
        let ask = Ask::Act {
            entries: vec![kill.clone()],
        };
        say(&mut page, serde_json::to_string(&ask).unwrap()).await;
        let made = entries(&mut page, &mut edge_ms).await;
        assert_eq!(made[0].action, kill.action);
        assert!(!broker.borrow().kafka_broker_up(BrokerId(1)));

        // What the run cannot take, and what is not an ask, are refused
        // in words; the socket stays.
        let no_such = Ask::Act {
            entries: vec![entry(json!({"do": "broker_kill", "broker": 7}))],
        };
        say(&mut page, serde_json::to_string(&no_such).unwrap()).await;
        let refused = loop {
            if let News::Refused { why } = hear(&mut page).await {
                break why;
            }
        };
        assert!(refused.contains('7'), "{refused}");
        say(&mut page, "{\"act\": 3}".into()).await;
        let refused = loop {
            if let News::Refused { why } = hear(&mut page).await {
                break why;
            }
        };
        assert!(refused.contains("did not understand"), "{refused}");

        // A page joining later has both entries in its recording, and
        // neither again in its news.
        let mut late = join(addr).await;
        let News::Start { recording, .. } = hear(&mut late).await else {
            panic!("the recording first");
        };
        assert_eq!(recording.timeline.len(), 2);
        let restart = json!({"do": "broker_restart", "broker": 1});
        broker
            .borrow()
            .apply(entry(restart).action)
            .expect("restarted");
        let mut late_edge = 0;
        let made = entries(&mut late, &mut late_edge).await;
        assert_eq!(made.len(), 1, "only what is new: {made:?}");
        assert_eq!(made[0].said()[0].1, "broker_restart");
    });
}

/// An ask larger than any page sends (64 KiB) is not read: that socket
/// closes, and the run and its other pages go on.
#[test]
fn an_oversize_ask_closes_only_its_socket() {
    on_one_thread(async {
        let dist = tempdir();
        let (broker, addr) = serve(&dist).await;
        let mut rude = join(addr).await;
        let mut calm = join(addr).await;
        assert!(matches!(hear(&mut rude).await, News::Start { .. }));
        assert!(matches!(hear(&mut calm).await, News::Start { .. }));
        let _ = rude.send(Message::Text("x".repeat(100_000).into())).await;
        let closed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while let Some(Ok(Message::Text(_))) = rude.next().await {}
        })
        .await;
        assert!(closed.is_ok(), "the oversize ask's socket closes");
        let kill = json!({"do": "broker_kill", "broker": 2});
        broker.borrow().apply(entry(kill).action).expect("killed");
        let mut edge = 0;
        let made = entries(&mut calm, &mut edge).await;
        assert_eq!(made[0].said()[0].1, "broker_kill");
    });
}

#[test]
fn the_page_is_served_told_to_follow_the_run() {
    on_one_thread(async {
        let dist = tempdir();
        std::fs::write(dist.join("app.js"), "start()").unwrap();
        let (_, addr) = serve(&dist).await;
        let get = |path: &'static str| async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut answer = String::new();
            stream.read_to_string(&mut answer).await.unwrap();
            answer
        };
        let index = get("/").await;
        assert!(index.starts_with("HTTP/1.1 200"), "{index}");
        assert!(
            index.contains(r#"<meta name="mqsim-live" content="/live" />"#),
            "{index}"
        );
        assert!(get("/app.js").await.ends_with("start()"));
        assert!(get("/nothing.js").await.starts_with("HTTP/1.1 404"));
    });
}

#[test]
fn without_a_built_page_the_server_says_how_to_build_one() {
    on_one_thread(async {
        let empty = tempdir().join("not-built");
        let (_, addr) = serve(&empty).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.contains("trunk build --release"), "{answer}");
        // The run goes on: a page can still follow it.
        let mut page = join(addr).await;
        assert!(matches!(hear(&mut page).await, News::Start { .. }));
    });
}

/// A fresh directory holding a built page's `index.html`.
fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mqsim-page-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let index =
        "<!doctype html><html><head><title>MQ Playground</title></head><body></body></html>";
    std::fs::write(dir.join("index.html"), index).unwrap();
    dir
}
