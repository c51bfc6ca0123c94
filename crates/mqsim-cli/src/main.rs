//! `mqsim`: MQ Playground's engine on the command line.
//!
//! The binary is thin: it parses arguments, reads files, and prints what the
//! `mqsim` library computes. The browser runs the very same library.

mod kafka;
mod rabbit;
mod report;
mod serve;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use mqsim::kafka::assignor::Strategy;
use mqsim::kafka::consumer_protocol::ServerAssignor;
use mqsim::kafka::pauses::{CountingPauses, Pauses};
use mqsim::{Scenario, SimTime, Simulation};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// `mqsim serve` decodes what clients send: a malformed request that claims
/// billions of elements gets address space, not an abort
/// ([`mqsim_live::reserve`]).
#[global_allocator]
static ALLOCATOR: mqsim_live::reserve::Reserving = mqsim_live::reserve::Reserving;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the input could not be read or is invalid (the message names what is wrong)
  2  the command line itself is wrong";

/// Simulate Kafka and RabbitMQ scenarios, deterministically.
#[derive(Debug, Parser)]
#[command(name = "mqsim", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario and print per-partition counts, committed offsets and
    /// lag, and per-queue depths.
    Run {
        /// The scenario: a file (JSON), `-` for standard input, or a share link.
        scenario: PathBuf,
        /// Stop at this virtual time in milliseconds (default: the moment a
        /// shared link was taken at, else the scenario's duration_ms).
        #[arg(long, value_name = "MS")]
        until_ms: Option<u64>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print every event of a run, one JSON object per line: what the
    /// browser animates, as the engine reports it.
    Trace {
        /// The scenario: a file (JSON), `-` for standard input, or a share link.
        scenario: PathBuf,
        /// Stop at this virtual time in milliseconds (default: the
        /// scenario's duration_ms).
        #[arg(long, value_name = "MS")]
        until_ms: Option<u64>,
        /// Print each event as a sentence, as the playground's event log
        /// does (routine heartbeats and fetches left out).
        #[arg(long)]
        words: bool,
        /// With Kafka panes (`view.kafka_panes`), the pane whose run to
        /// print, counted from 1 (default: the first).
        #[arg(long, value_name = "N", default_value_t = 1)]
        pane: usize,
    },
    /// Check a scenario (file, `-` or link) and print every problem.
    Validate {
        scenario: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Share links: a whole scenario in a URL fragment.
    #[command(subcommand)]
    Link(LinkCommand),
    /// The scenarios that ship with the playground.
    #[command(subcommand)]
    Presets(PresetsCommand),
    /// Kafka explainers: what the Java client would compute.
    #[command(subcommand)]
    Kafka(KafkaCommand),
    /// RabbitMQ explainers: what the broker would do.
    #[command(subcommand)]
    Rabbit(RabbitCommand),
    /// Live mode: listen for real clients (pika, amqplib, the Java
    /// client…). So far AMQP 0-9-1: declaring, binding, purging and
    /// deleting, publishing (with confirms and mandatory returns),
    /// consuming with prefetch or basic.get, and acknowledging, carried out
    /// by the engine and recorded; Kafka comes next.
    Serve(serve::Args),
}

#[derive(Debug, Subcommand)]
enum LinkCommand {
    /// Print the link fragment (`s=2.…`) for a scenario file or `-`.
    Encode {
        scenario: PathBuf,
        /// Print a whole URL: this address, `#`, and the fragment.
        #[arg(long, value_name = "URL")]
        base: Option<String>,
    },
    /// Print the scenario a link holds, as JSON.
    Decode { link: String },
}

#[derive(Debug, Subcommand)]
enum PresetsCommand {
    /// List the presets: id, title, and the length of their share links.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print a preset's scenario file.
    Export { id: String },
}

#[derive(Debug, Subcommand)]
enum RabbitCommand {
    /// Print a scenario file declaring a definitions file's exchanges,
    /// queues and bindings (what is not modelled goes to standard error).
    ImportDefinitions {
        /// The definitions file (JSON), as `rabbitmqctl export_definitions` writes it.
        definitions: PathBuf,
        /// The new scenario's title.
        #[arg(long, default_value = "Imported RabbitMQ definitions")]
        name: String,
    },
    /// Print a definitions file, for `rabbitmqctl import_definitions`,
    /// declaring a scenario's exchanges, queues and bindings.
    ExportDefinitions {
        /// The scenario: a file, `-` or a share link.
        scenario: PathBuf,
        /// The virtual host to declare them in.
        #[arg(long, default_value = "/")]
        vhost: String,
    },
    /// Print the queues a message reaches and the bindings that took it there.
    ///
    /// The topology comes from a definitions file as `rabbitmqctl
    /// export_definitions` writes it (one vhost; the amq.* exchanges exist
    /// without being listed). What the file holds that is not modelled is
    /// listed on standard error.
    Route {
        /// The definitions file (JSON).
        #[arg(long)]
        definitions: PathBuf,
        /// The exchange published to; "" is the default exchange.
        #[arg(long)]
        exchange: String,
        #[arg(long, default_value = "")]
        routing_key: String,
        /// A header with a string value, NAME=VALUE. Repeatable.
        #[arg(long = "header", value_name = "NAME=VALUE")]
        header: Vec<String>,
        /// Headers with typed values, as a JSON object: '{"a": 1, "b": true}'.
        #[arg(long, value_name = "JSON")]
        headers: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
enum KafkaCommand {
    /// Print the partition of each key: toPositive(murmur2(key)) % partitions.
    ///
    /// Keys come from the arguments, or one per line on standard input when
    /// none are given. Prints KEY<TAB>PARTITION per key.
    Partition {
        /// The topic's partition count.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        partitions: u32,
        keys: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the assignment a Java assignor (classic protocol) or the group
    /// coordinator's assignor (consumer protocol, KIP-848) computes for a
    /// new group.
    Assign {
        /// classic (the client's assignors) or consumer (KIP-848: the
        /// coordinator's).
        #[arg(long, value_enum, default_value_t = Protocol::Classic)]
        protocol: Protocol,
        /// Classic protocol: range, roundrobin, sticky or cooperative-sticky.
        #[arg(long)]
        strategy: Option<Strategy>,
        /// Consumer protocol: uniform (the default) or range.
        #[arg(long, value_enum)]
        assignor: Option<Assignor>,
        /// A topic and its partition count, e.g. orders:6; with the consumer
        /// protocol also its topic id, orders:6:ID (22 characters, as
        /// kafka-topics --describe prints it). Repeatable.
        #[arg(long = "topic", value_name = "NAME:PARTITIONS[:ID]", required = true)]
        topics: Vec<String>,
        /// A member and the topics it subscribes to, e.g. c1:orders,payments. Repeatable.
        #[arg(long = "member", value_name = "ID:TOPIC[,TOPIC...]", required = true)]
        members: Vec<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// `group.protocol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Protocol {
    Classic,
    Consumer,
}

/// `group.consumer.assignors`' built-in assignors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Assignor {
    Uniform,
    Range,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    match run(cli, &mut stdout.lock()) {
        Ok(code) => code,
        // The reader went away (`mqsim trace … | head`): nobody is left to
        // tell, so stop quietly, as ripgrep and other filters do.
        Err(err) if reader_gone(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `err` is standard output's reader having closed the pipe.
fn reader_gone(err: &anyhow::Error) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().map(|io| io.kind()) == broken
            || cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
                == broken
    })
}

/// Runs one command, printing to `out` (standard output).
fn run(cli: Cli, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run {
            scenario,
            until_ms,
            format,
        } => {
            let scenario = read_scenario(&scenario)?;
            // A shared link opens at its moment; run to there unless told.
            let view_at = scenario.file().view.at_ms;
            let until = until_ms.unwrap_or(if view_at > 0 {
                view_at
            } else {
                scenario.file().duration_ms
            });
            // With Kafka panes, each pane's run in turn, titled.
            let mut panes = Vec::new();
            for (title, run) in scenario.runs() {
                let mut sim = Simulation::new(&run);
                let mut pauses = Pauses::new(&run);
                let mut trace = CountingPauses {
                    pauses: &mut pauses,
                    inner: &mut mqsim::trace::CountingSink::default(),
                };
                sim.run_until(SimTime::from_millis(until), &mut trace);
                let (kafka, rabbit) = (sim.kafka_summary(), sim.rabbit_summary());
                match format {
                    Format::Text if title.is_empty() => {
                        write!(out, "{}", report::text(&scenario, &kafka, &rabbit, &pauses))?
                    }
                    Format::Text => write!(
                        out,
                        "== {title} ==\n{}\n",
                        report::text(&scenario, &kafka, &rabbit, &pauses)
                    )?,
                    Format::Json => panes.push(
                        serde_json::json!({"title": title, "kafka": kafka, "rabbit": rabbit}),
                    ),
                }
            }
            if let Format::Json = format {
                let json = match <[_; 1]>::try_from(panes) {
                    Ok([mut only]) => {
                        only.as_object_mut().map(|o| o.remove("title"));
                        only
                    }
                    Err(panes) => serde_json::json!({ "panes": panes }),
                };
                writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Trace {
            scenario,
            until_ms,
            words,
            pane,
        } => {
            let scenario = read_scenario(&scenario)?;
            let until = until_ms.unwrap_or(scenario.file().duration_ms);
            let runs = scenario.runs();
            let Some((_, run)) = pane.checked_sub(1).and_then(|i| runs.get(i)) else {
                anyhow::bail!(
                    "--pane {pane}: the scenario has {} pane(s), counted from 1",
                    runs.len()
                );
            };
            let mut sim = Simulation::new(run);
            let mut events = Vec::new();
            sim.run_until(SimTime::from_millis(until), &mut events);
            let names = mqsim::words::Names::new(&scenario);
            let mut out = std::io::BufWriter::new(out);
            for event in &events {
                if words {
                    let sentence = event.describe(&names);
                    if !sentence.routine {
                        writeln!(out, "{:>9}  {}", sentence.at.to_string(), sentence.text)?;
                    }
                } else {
                    serde_json::to_writer(&mut out, event)?;
                    writeln!(out)?;
                }
            }
            std::io::Write::flush(&mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            serve::serve(args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { scenario, format } => {
            let checked = read_scenario(&scenario);
            match (format, checked) {
                (Format::Text, checked) => writeln!(out, "{}: valid", checked?.file().name)?,
                (Format::Json, Ok(scenario)) => {
                    let warnings: Vec<String> =
                        scenario.warnings().iter().map(|w| w.to_string()).collect();
                    writeln!(
                        out,
                        "{}",
                        serde_json::json!({"valid": true, "name": scenario.file().name, "warnings": warnings})
                    )?
                }
                (Format::Json, Err(err)) => {
                    let problems: Vec<String> = format!("{err:#}")
                        .lines()
                        .skip(1)
                        .map(|line| line.trim().to_string())
                        .collect();
                    writeln!(
                        out,
                        "{}",
                        serde_json::json!({"valid": false, "error": format!("{err:#}").lines().next(), "problems": problems})
                    )?;
                    return Ok(ExitCode::FAILURE);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Link(LinkCommand::Encode { scenario, base }) => {
            let link = mqsim::scenario::link::encode(&read_scenario(&scenario)?);
            match base {
                Some(base) => writeln!(out, "{}#{link}", base.trim_end_matches('#'))?,
                None => writeln!(out, "{link}")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Link(LinkCommand::Decode { link }) => {
            let scenario = mqsim::scenario::link::decode(&link)?;
            writeln!(out, "{}", scenario.to_json())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Presets(PresetsCommand::List { format }) => {
            let rows: Vec<serde_json::Value> = mqsim::scenario::presets::PRESETS
                .iter()
                .map(|p| {
                    let scenario = p.scenario();
                    serde_json::json!({
                        "id": p.id,
                        "name": scenario.file().name,
                        "link_chars": mqsim::scenario::link::encode(&scenario).len() + 1,
                    })
                })
                .collect();
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
                Format::Text => {
                    for row in &rows {
                        writeln!(
                            out,
                            "{}\t{}\t{} characters",
                            row["id"].as_str().unwrap_or(""),
                            row["name"].as_str().unwrap_or(""),
                            row["link_chars"]
                        )?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Presets(PresetsCommand::Export { id }) => {
            let Some(preset) = mqsim::scenario::presets::Preset::find(&id) else {
                let ids: Vec<&str> = mqsim::scenario::presets::PRESETS
                    .iter()
                    .map(|p| p.id)
                    .collect();
                anyhow::bail!("no preset named {id:?}; the presets are {}", ids.join(", "));
            };
            write!(out, "{}", preset.json())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Kafka(KafkaCommand::Partition {
            partitions,
            keys,
            format,
        }) => {
            write!(
                out,
                "{}",
                kafka::partition(partitions, keys, format == Format::Json)?
            )?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rabbit(RabbitCommand::ImportDefinitions { definitions, name }) => {
            let text = std::fs::read_to_string(&definitions)
                .with_context(|| format!("cannot read {}", definitions.display()))?;
            let parsed =
                mqsim::rabbit::definitions::Definitions::from_json(&text).with_context(|| {
                    format!("{} is not a usable definitions file", definitions.display())
                })?;
            for line in &parsed.not_modelled {
                eprintln!("not modelled: {line}");
            }
            let file = serde_json::json!({
                "version": 1,
                "name": name,
                "seed": 1,
                "rabbit": parsed.to_rabbit_spec(),
            });
            let scenario = Scenario::from_json(&file.to_string())
                .map_err(|err| anyhow::anyhow!("the imported topology is not valid: {err}"))?;
            writeln!(out, "{}", scenario.to_json())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rabbit(RabbitCommand::ExportDefinitions { scenario, vhost }) => {
            let scenario = read_scenario(&scenario)?;
            let exported = mqsim::rabbit::definitions::export(&scenario.file().rabbit, &vhost);
            writeln!(out, "{}", serde_json::to_string_pretty(&exported)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rabbit(RabbitCommand::Route {
            definitions,
            exchange,
            routing_key,
            header,
            headers,
            format,
        }) => {
            let routed = rabbit::route(
                &definitions,
                &exchange,
                &routing_key,
                &header,
                headers.as_deref(),
                format == Format::Json,
            )?;
            for note in routed.notes {
                eprintln!("{note}");
            }
            write!(out, "{}", routed.stdout)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Kafka(KafkaCommand::Assign {
            protocol,
            strategy,
            assignor,
            topics,
            members,
            format,
        }) => {
            let json = format == Format::Json;
            let assigned = match (protocol, strategy, assignor) {
                (Protocol::Classic, Some(strategy), None) => {
                    kafka::assign(strategy, &topics, &members, json)?
                }
                (Protocol::Classic, None, _) => anyhow::bail!(
                    "--protocol classic needs --strategy (range, roundrobin, sticky or cooperative-sticky)"
                ),
                (Protocol::Classic, Some(_), Some(_)) => anyhow::bail!(
                    "--assignor names a consumer-protocol assignor: use it with --protocol consumer"
                ),
                (Protocol::Consumer, Some(_), _) => anyhow::bail!(
                    "with --protocol consumer the group coordinator assigns: choose --assignor uniform or range, not --strategy"
                ),
                (Protocol::Consumer, None, assignor) => {
                    let assignor = match assignor {
                        Some(Assignor::Range) => ServerAssignor::Range,
                        _ => ServerAssignor::Uniform,
                    };
                    kafka::assign_consumer(assignor, &topics, &members, json)?
                }
            };
            for note in assigned.notes {
                eprintln!("{note}");
            }
            write!(out, "{}", assigned.stdout)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reads and validates a scenario file (naming the file in every error),
/// and tells its warnings on standard error.
pub(crate) fn read_scenario(path: &PathBuf) -> anyhow::Result<Scenario> {
    let scenario = read_valid_scenario(path)?;
    for warning in scenario.warnings() {
        eprintln!("warning: {warning}");
    }
    Ok(scenario)
}

fn read_valid_scenario(path: &PathBuf) -> anyhow::Result<Scenario> {
    let text = path.to_string_lossy();
    if text.contains("#s=") || text.starts_with("s=") {
        return mqsim::scenario::link::decode(&text)
            .map_err(|err| anyhow::anyhow!("the link is not a valid scenario: {err}"));
    }
    let from_stdin = path.as_os_str() == "-";
    let text = if from_stdin {
        std::io::read_to_string(std::io::stdin())
            .context("cannot read the scenario from standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    Scenario::from_json(&text).map_err(|err| {
        let listed = err
            .to_string()
            .lines()
            .map(|line| format!("\n  {line}"))
            .collect::<String>();
        let name = if from_stdin {
            "standard input".to_string()
        } else {
            path.display().to_string()
        };
        anyhow::anyhow!("{name} is not a valid scenario:{listed}")
    })
}
