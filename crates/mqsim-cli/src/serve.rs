//! `mqsim serve`: live mode, the native build as a broker real clients
//! talk to (see the `mqsim-live` crate).

use mqsim_live::amqp::{AmqpServer, Settings};
use std::net::SocketAddr;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Where AMQP 0-9-1 clients connect. Loopback unless told otherwise.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5672")]
    amqp: SocketAddr,
    /// The user clients log in as (SASL PLAIN).
    #[arg(long, default_value = "guest")]
    user: String,
    /// That user's password.
    #[arg(long, default_value = "guest")]
    password: String,
}

/// Listens until interrupted.
pub fn serve(args: Args) -> anyhow::Result<()> {
    if !mqsim_live::is_loopback(&args.amqp) {
        eprintln!(
            "warning: listening on {}: clients on other machines can reach this playground broker",
            args.amqp
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let settings = Settings {
            user: args.user,
            password: args.password,
        };
        let server = AmqpServer::bind(args.amqp, settings)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen for AMQP on {}: {e}", args.amqp))?;
        eprintln!("mqsim serve: AMQP 0-9-1 on {}", server.local_addr()?);
        server.run().await?;
        Ok(())
    })
}
