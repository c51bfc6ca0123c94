//! `mqsim serve`: live mode, the native build as a broker real clients
//! talk to (see the `mqsim-live` crate).

use mqsim_live::amqp::{AmqpServer, Settings};
use mqsim_live::broker::{Broker, Shared, blank, keep_time};
use mqsim_live::kafka::KafkaServer;
use mqsim_live::page::PageServer;
use mqsim_live::page::hub::Hub;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The scenario the live run starts from (a file, `-` or a share link);
    /// by default an empty one, which the clients fill.
    #[arg(long, value_name = "FILE|LINK")]
    scenario: Option<PathBuf>,
    /// Keep the recording (the scenario and every client action since,
    /// which replays the live run) in this file as it grows.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Where AMQP 0-9-1 clients connect. Loopback unless told otherwise.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5672")]
    amqp: SocketAddr,
    /// Where Kafka clients connect: the run's broker 0 on this port, broker
    /// i on the port + i. Loopback unless told otherwise.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9092")]
    kafka: SocketAddr,
    /// Where the page is served, following the live run. Loopback unless
    /// told otherwise.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    http: SocketAddr,
    /// The built page to serve (`trunk build --release` makes it); by
    /// default `dist/` here, or the project's the binary was built in.
    #[arg(long, value_name = "DIR")]
    dist: Option<PathBuf>,
    /// The user AMQP clients log in as (SASL PLAIN).
    #[arg(long, default_value = "guest")]
    user: String,
    /// That user's password.
    #[arg(long, default_value = "guest")]
    password: String,
}

/// Listens until interrupted, then writes what the recording's file does
/// not have yet.
pub fn serve(args: Args) -> anyhow::Result<()> {
    for addr in [args.amqp, args.kafka, args.http] {
        if !mqsim_live::is_loopback(&addr) {
            eprintln!(
                "warning: listening on {addr}: clients on other machines can reach this playground broker"
            );
        }
    }
    let start = match &args.scenario {
        Some(path) => crate::read_scenario(path)?,
        None => blank(),
    };
    let broker = Shared::new(Broker::new(start, args.record));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // The engine is single-threaded: so is the server, every connection a
    // task on this thread.
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async {
        let settings = Settings {
            user: args.user,
            password: args.password,
            ..Settings::default()
        };
        let server = AmqpServer::bind(args.amqp, settings, broker.clone())
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen for AMQP on {}: {e}", args.amqp))?;
        eprintln!("mqsim serve: AMQP 0-9-1 on {}", server.local_addr()?);
        let kafka = KafkaServer::bind(args.kafka, broker.clone())
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen for Kafka on {}: {e}", args.kafka))?;
        let brokers = broker.borrow().kafka().cluster.brokers.len() as u32;
        let ports = kafka.listeners();
        eprintln!(
            "mqsim serve: Kafka on {}:{} (brokers 0..={}, broker i on port {} + i)",
            ports.host,
            ports.base_port,
            brokers - 1,
            ports.base_port
        );
        let (hub, hub_task) = Hub::new(broker.clone());
        let dist = args.dist.unwrap_or_else(mqsim_live::page::find_dist);
        let page = PageServer::bind(args.http, &dist, hub)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen for the page on {}: {e}", args.http))?;
        eprintln!(
            "mqsim serve: the page, following the live run, on http://{}/",
            page.local_addr()?
        );
        if !dist.join("index.html").is_file() {
            eprintln!(
                "warning: no built page in {}: run `trunk build --release`, or give --dist",
                dist.display()
            );
        }
        tokio::task::spawn_local(keep_time(broker.clone()));
        tokio::task::spawn_local(hub_task);
        tokio::select! {
            served = server.run() => served?,
            served = kafka.run() => served?,
            served = page.run() => served?,
            () = stopped() => eprintln!("mqsim serve: stopped"),
        }
        broker.borrow().flush_recording();
        Ok(())
    })
}

/// When the server is told to stop: Ctrl-C, or (on Unix) SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
