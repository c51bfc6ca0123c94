//! The hub: the task beside the engine that every page's socket talks to.
//!
//! Every [`NEWS_EVERY`] it takes the entries made since the last time and
//! the moment the engine has reached (the edge), and sends them to every
//! page at once, as one message each page reads in turn. A page joining
//! first lets the others have what was made before it, then gets the
//! recording as it stands: it misses nothing and has nothing twice. A page
//! that asks for something (a broker killed) has it made now, through
//! [`Broker::act_all`](crate::broker::Broker::act_all), like a client's
//! action; it reaches every page, the asker's too, with the next news.

use crate::broker::Shared;
use mqsim::live::News;
use mqsim::scenario::TimelineEntry;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot};

/// How often the pages hear from the run: the page shows the run this much
/// and a little more behind the clients.
pub const NEWS_EVERY: Duration = Duration::from_millis(40);

/// How many messages a page may have yet to read before it is let go:
/// ten seconds of news.
const BACKLOG: usize = 250;

/// What a page's socket gets when it joins: the recording so far, and the
/// news from then on.
pub struct Joined {
    pub start: String,
    pub news: broadcast::Receiver<Arc<str>>,
}

enum Request {
    Join(oneshot::Sender<Joined>),
    Act(Vec<TimelineEntry>, oneshot::Sender<Result<(), String>>),
}

/// A page socket's way to the hub; it may be sent between threads.
#[derive(Clone)]
pub struct Hub(mpsc::Sender<Request>);

impl Hub {
    /// The hub of `broker`'s run, and the task that runs it, to be spawned
    /// on the engine's thread (`tokio::task::spawn_local`).
    pub fn new(broker: Shared) -> (Hub, impl Future<Output = ()>) {
        let (asks, requests) = mpsc::channel(64);
        (Hub(asks), run(broker, requests))
    }

    /// Joins the live run: `None` once the server is stopping.
    pub async fn join(&self) -> Option<Joined> {
        let (reply, joined) = oneshot::channel();
        self.0.send(Request::Join(reply)).await.ok()?;
        joined.await.ok()
    }

    /// Makes `entries` now, in order; why not, if they cannot all be made
    /// (those before the refused one are).
    pub async fn act(&self, entries: Vec<TimelineEntry>) -> Result<(), String> {
        let (reply, done) = oneshot::channel();
        let stopping = || "the server is stopping".to_string();
        (self.0.send(Request::Act(entries, reply)).await).map_err(|_| stopping())?;
        done.await.map_err(|_| stopping())?
    }
}

async fn run(broker: Shared, mut requests: mpsc::Receiver<Request>) {
    let (pages, _) = broadcast::channel(BACKLOG);
    broker.borrow().run_mut().keep_made();
    let mut every = tokio::time::interval(NEWS_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            request = requests.recv() => match request {
                None => return,
                Some(Request::Join(reply)) => {
                    send_news(&broker, &pages);
                    let news = pages.subscribe();
                    let _ = reply.send(Joined { start: start(&broker), news });
                }
                Some(Request::Act(entries, reply)) => {
                    let actions = entries.into_iter().map(|e| e.action).collect();
                    let _ = reply.send(broker.borrow().act_all(actions, |_, _| {}));
                }
            },
            _ = every.tick() => send_news(&broker, &pages),
        }
    }
}

/// The recording as it stands, for a page that joins.
fn start(broker: &Shared) -> String {
    let broker = broker.borrow();
    let news = News::Start {
        recording: Box::new(broker.run().recording().clone()),
        edge_ms: broker.run().simulation().now().as_millis(),
        connections: broker.connections(),
    };
    serde_json::to_string(&news).unwrap_or_default()
}

/// Sends every page the entries made since last time and the edge. With no
/// page following, the entries are let go.
fn send_news(broker: &Shared, pages: &broadcast::Sender<Arc<str>>) {
    let mut broker = broker.borrow();
    let entries = broker.run_mut().take_made();
    if pages.receiver_count() == 0 {
        return;
    }
    let run = broker.run();
    let news = News::Grew {
        entries,
        edge_ms: run.simulation().now().as_millis(),
        duration_ms: run.recording().duration_ms,
        connections: broker.connections(),
    };
    if let Ok(text) = serde_json::to_string(&news) {
        let _ = pages.send(text.into());
    }
}
