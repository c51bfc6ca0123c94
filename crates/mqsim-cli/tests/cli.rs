//! The `mqsim` binary, run as a user runs it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const PRESET: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../mqsim/presets/order-notifications.json"
);

fn mqsim(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mqsim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mqsim starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("mqsim finishes")
}

#[test]
fn run_prints_counts_committed_offsets_and_lag() {
    let out = mqsim(&["run", PRESET, "--until-ms", "30000"], "");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.starts_with("Order notifications at 30.000s"), "{text}");
    assert!(text.contains("TOPIC orders"), "{text}");
    assert!(
        text.contains("CURRENT-OFFSET  LOG-END-OFFSET    LAG  CONSUMER"),
        "{text}"
    );
}

/// `trace --words` says the run as the event log does: names, not ids,
/// and no routine heartbeats or polls.
#[test]
fn trace_words_tells_the_run_in_sentences() {
    let out = mqsim(&["trace", "--words", PRESET, "--until-ms", "3000"], "");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("checkout sent checkout-1 (key ")
                && l.contains("(murmur2 of the key)")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("group notifications generation 1: notifier-1: orders-")),
        "{text}"
    );
    assert!(
        !text.contains("polls: a fetch request") && !text.contains("heartbeats"),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.trim_start().as_bytes()[0].is_ascii_digit()),
        "each line starts with its time"
    );
}

#[test]
fn json_output_equals_the_library_summary() {
    let out = mqsim(
        &["run", PRESET, "--until-ms", "12345", "--format", "json"],
        "",
    );
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");

    let scenario = mqsim::Scenario::from_json(&std::fs::read_to_string(PRESET).expect("preset"))
        .expect("valid");
    let mut sim = mqsim::Simulation::new(&scenario);
    sim.run_until(mqsim::SimTime::from_millis(12_345), &mut Vec::new());
    let expected = serde_json::to_value(sim.kafka_summary()).expect("json");
    assert_eq!(printed["kafka"], expected);
    assert_eq!(printed["kafka"]["at_ms"], 12_345);
    assert!(
        printed["kafka"]["groups"][0]["partitions"][0]["committed_offset"]
            .as_u64()
            .is_some()
    );
    assert_eq!(
        printed["rabbit"],
        serde_json::to_value(sim.rabbit_summary()).expect("json")
    );
}

#[test]
fn an_invalid_scenario_names_every_problem_and_exits_1() {
    let bad = r#"{"version": 1, "name": "x", "seed": 1,
        "kafka": {"topics": [{"name": "a", "partitions": 0}],
                  "producers": [{"name": "p", "topic": "b", "rate_per_sec": 1}]}}"#;
    let out = mqsim(&["run", "-"], bad);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        err.contains("standard input is not a valid scenario"),
        "{err}"
    );
    assert!(
        err.contains("kafka.topics[0].partitions: must be 1..=1024, got 0"),
        "{err}"
    );
    assert!(
        err.contains("kafka.producers[0].topic: no topic named \"b\""),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn malformed_json_names_line_and_column() {
    let out = mqsim(&["run", "-"], "{\"version\": 1,\n  \"name\": }");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        err.contains("name (line 2, column 11): expected value"),
        "{err}"
    );
}

#[test]
fn a_missing_file_is_reported() {
    let out = mqsim(&["run", "/nonexistent/scenario.json"], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        err.contains("cannot read /nonexistent/scenario.json"),
        "{err}"
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let out = mqsim(&["--help"], "");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(text.contains("Exit codes:"), "{text}");
}

/// Keys from the arguments; "foobar" is in Kafka's `UtilsTest` murmur2
/// vectors: -790332482, toPositive 1357151166, which is 0 mod 3.
#[test]
fn kafka_partition_places_keys_like_the_java_client() {
    let out = mqsim(
        &["kafka", "partition", "--partitions", "3", "foobar", "21"],
        "",
    );
    assert!(out.status.success());
    // "21" hashes to -973932308; toPositive gives 1173551340, 0 mod 3.
    assert_eq!(
        String::from_utf8(out.stdout).expect("utf-8"),
        "foobar\t0\n21\t0\n"
    );
}

#[test]
fn kafka_partition_reads_keys_from_stdin_and_prints_json() {
    let out = mqsim(
        &[
            "kafka",
            "partition",
            "--partitions",
            "4",
            "--format",
            "json",
        ],
        "foobar\nabc\n",
    );
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // "abc" hashes to 479470107, which is 3 mod 4; "foobar" to 2 mod 4.
    assert_eq!(
        printed,
        serde_json::json!([{"key": "foobar", "partition": 2}, {"key": "abc", "partition": 3}])
    );
}

/// The `RoundRobinAssignor` and `StickyAssignor` javadoc example with
/// differing subscriptions, one strategy after the other.
#[test]
fn kafka_assign_prints_the_java_assignment() {
    let expected = [
        (
            "roundrobin",
            serde_json::json!({"C0": {"t0": [0]}, "C1": {"t1": [0]}, "C2": {"t1": [1], "t2": [0, 1, 2]}}),
        ),
        (
            "sticky",
            serde_json::json!({"C0": {"t0": [0]}, "C1": {"t1": [0, 1]}, "C2": {"t2": [0, 1, 2]}}),
        ),
    ];
    for (strategy, assignment) in expected {
        let printed = assign_javadoc_example(strategy);
        assert_eq!(printed, assignment, "{strategy}");
    }
}

fn assign_javadoc_example(strategy: &str) -> serde_json::Value {
    let args = [
        "kafka",
        "assign",
        "--strategy",
        strategy,
        "--topic",
        "t0:1",
        "--topic",
        "t1:2",
        "--topic",
        "t2:3",
        "--member",
        "C0:t0",
        "--member",
        "C1:t0,t1",
        "--member",
        "C2:t0,t1,t2",
        "--format",
        "json",
    ];
    let out = mqsim(&args, "");
    assert!(out.status.success(), "{strategy}");
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn kafka_assign_shows_idle_members_in_text() {
    let args = [
        "kafka",
        "assign",
        "--strategy",
        "range",
        "--topic",
        "t:1",
        "--member",
        "a:t",
        "--member",
        "b:t",
    ];
    let out = mqsim(&args, "");
    assert_eq!(
        String::from_utf8(out.stdout).expect("utf-8"),
        "a\tt[0]\nb\t(idle)\n"
    );
}

/// A member may subscribe to a topic given no `--topic` (the cluster does
/// not have it): every strategy leaves it out, as the Java client's
/// assignors do, and says so on standard error.
#[test]
fn kafka_assign_leaves_out_a_topic_the_cluster_does_not_have() {
    for strategy in ["range", "roundrobin", "sticky", "cooperative-sticky"] {
        for (members, expected) in [
            (
                ["c0:orders,missing", "c1:orders"],
                if strategy == "range" {
                    "c0\torders[0,1]\nc1\torders[2]\n"
                } else {
                    "c0\torders[0,2]\nc1\torders[1]\n"
                },
            ),
            (
                ["c0:orders,missing", "c1:missing,orders"],
                if strategy == "range" {
                    "c0\torders[0,1]\nc1\torders[2]\n"
                } else {
                    "c0\torders[0,2]\nc1\torders[1]\n"
                },
            ),
            (
                ["c0:missing", "c1:orders"],
                "c0\t(idle)\nc1\torders[0,1,2]\n",
            ),
        ] {
            let args = [
                "kafka",
                "assign",
                "--strategy",
                strategy,
                "--topic",
                "orders:3",
                "--member",
                members[0],
                "--member",
                members[1],
            ];
            let out = mqsim(&args, "");
            assert!(out.status.success(), "{args:?}: {out:?}");
            assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "{args:?}");
            let note = String::from_utf8_lossy(&out.stderr);
            assert!(
                note.contains("no --topic \"missing\": the cluster does not have it"),
                "{args:?}: {note}"
            );
        }
    }
}

#[test]
fn kafka_assign_names_bad_arguments() {
    let cases = [
        (
            "range",
            "t:0",
            "a:t",
            1,
            "--topic \"t:0\": the partition count",
        ),
        ("range", "t:2", "a:t,", 1, "topic names must be non-empty"),
        (
            "stiky",
            "t:2",
            "a:t",
            2,
            "expected one of range, roundrobin, sticky, cooperative-sticky",
        ),
    ];
    for (strategy, topic, member, code, message) in cases {
        let args = [
            "kafka",
            "assign",
            "--strategy",
            strategy,
            "--topic",
            topic,
            "--member",
            member,
        ];
        let out = mqsim(&args, "");
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

const SHOP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../mqsim/tests/rabbit/shop.json"
);

/// A paid order goes through a topic exchange and, by an exchange-to-
/// exchange binding, a fanout; the JSON lists the queues sorted.
#[test]
fn rabbit_route_prints_queues_and_the_bindings_that_took_it_there() {
    let args = [
        "rabbit",
        "route",
        "--definitions",
        SHOP,
        "--exchange",
        "orders",
        "--routing-key",
        "eu.paid.big",
    ];
    let out = mqsim(&args, "");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.starts_with("queues: big-orders, email, eu-orders, sms\n"),
        "{text}"
    );
    assert!(
        text.contains("orders --binding \"#.paid.#\"--> exchange notifications"),
        "{text}"
    );
    let stderr = String::from_utf8(out.stderr).expect("utf-8");
    assert!(
        stderr.contains("not modelled: users: 1 entries"),
        "{stderr}"
    );

    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let out = mqsim(&json_args, "");
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        printed["queues"],
        serde_json::json!(["big-orders", "email", "eu-orders", "sms"])
    );
    assert_eq!(printed["via"].as_array().map(Vec::len), Some(5));
}

/// `--header` gives strings, `--headers` typed values: the binding wants
/// the number 2, so the string "2" does not match.
#[test]
fn rabbit_route_headers_are_typed() {
    let route = |extra: &[&str]| {
        let mut args = vec![
            "rabbit",
            "route",
            "--definitions",
            SHOP,
            "--exchange",
            "reports",
        ];
        args.extend_from_slice(extra);
        String::from_utf8(mqsim(&args, "").stdout).expect("utf-8")
    };
    assert!(
        route(&["--headers", r#"{"format": "pdf", "pages": 2}"#])
            .starts_with("queues: pdf-reports")
    );
    assert!(route(&["--header", "format=pdf", "--header", "pages=2"]).starts_with("queues: none"));
}

/// A file of `text` in a temporary folder of this test run's own (left
/// behind: tests running at once share it).
fn written(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mqsim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// Headers whose values are tables and arrays, nested, as `--headers`
/// JSON: they match a binding when RabbitMQ's `headers_match` would (a
/// table and an array, then a number of another type inside the table,
/// then the same table with its keys in another order, then the array in
/// another order).
#[test]
fn rabbit_route_matches_nested_headers() {
    let definitions = written(
        "nested.json",
        r#"{"exchanges": [{"name": "events", "vhost": "/", "type": "headers"}],
            "queues": [{"name": "matched", "vhost": "/"}],
            "bindings": [{"source": "events", "vhost": "/", "destination": "matched",
                          "destination_type": "queue", "routing_key": "",
                          "arguments": {"x-match": "all", "a": {"n": 1, "m": "x"}, "b": [1, 2]}}]}"#,
    );
    let route = |headers: &str| {
        let args = [
            "rabbit",
            "route",
            "--definitions",
            definitions.to_str().expect("utf-8 path"),
            "--exchange",
            "events",
            "--headers",
            headers,
        ];
        let out = mqsim(&args, "");
        assert!(out.status.success(), "{headers}: {out:?}");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    // Definitions store a nested table sorted by key, as RabbitMQ's import does.
    assert!(route(r#"{"a": {"m": "x", "n": 1}, "b": [1, 2]}"#).starts_with("queues: matched"));
    assert!(route(r#"{"a": {"m": "x", "n": 1.0}, "b": [1, 2]}"#).starts_with("queues: none"));
    assert!(route(r#"{"a": {"n": 1, "m": "x"}, "b": [1, 2]}"#).starts_with("queues: none"));
    assert!(route(r#"{"a": {"m": "x", "n": 1}, "b": [2, 1]}"#).starts_with("queues: none"));
}

/// `mqsim trace … | head`: when the reader of standard output goes away,
/// every command stops quietly (no "Broken pipe" error) and exits 0.
#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    let commands: [&[&str]; 4] = [
        &["trace", PRESET],
        &["trace", "--words", PRESET],
        &["run", PRESET],
        &["kafka", "partition", "--partitions", "3"],
    ];
    for args in commands {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mqsim"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("mqsim starts");
        let mut stdin = child.stdin.take().expect("stdin");
        let mut stdout = child.stdout.take().expect("stdout");
        // Read a little, as `head -c 100` would, then go away.
        if args[0] == "trace" {
            let mut first = [0u8; 100];
            std::io::Read::read_exact(&mut stdout, &mut first).expect("some output");
        }
        drop(stdout);
        // `kafka partition` reads keys from standard input: many, to be
        // printed after the reader has gone.
        let keys = "key\n".repeat(50_000);
        stdin.write_all(keys.as_bytes()).ok();
        drop(stdin);
        let out = child.wait_with_output().expect("mqsim finishes");
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn rabbit_route_names_bad_input() {
    let bad = written(
        "bad.json",
        r#"{"exchanges": [{"name": "x", "type": "x-consistent-hash"}]}"#,
    );
    let bad = bad.to_str().expect("utf-8 path");
    let cases: [(&[&str], &str); 3] = [
        (
            &["--definitions", bad, "--exchange", "x"],
            "unknown exchange type \"x-consistent-hash\"",
        ),
        (
            &["--definitions", SHOP, "--exchange", "nope"],
            "no exchange named \"nope\"",
        ),
        (&["--definitions", SHOP, "--exchange", "dlx"], "internal"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["rabbit", "route"];
        args.extend_from_slice(extra);
        let out = mqsim(&args, "");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
}

/// A scenario encoded as a link runs to exactly the same summary as the
/// file it came from.
#[test]
fn a_link_runs_like_its_file() {
    let encoded = mqsim(
        &["link", "encode", PRESET, "--base", "http://127.0.0.1:8080/"],
        "",
    );
    assert!(encoded.status.success());
    let link = String::from_utf8(encoded.stdout).expect("utf-8");
    let link = link.trim();
    assert!(link.starts_with("http://127.0.0.1:8080/#s=2."), "{link}");
    let from_link = mqsim(&["run", link, "--until-ms", "9000", "--format", "json"], "");
    let from_file = mqsim(
        &["run", PRESET, "--until-ms", "9000", "--format", "json"],
        "",
    );
    assert!(from_link.status.success());
    assert_eq!(from_link.stdout, from_file.stdout);
    let decoded = mqsim(&["link", "decode", link], "");
    let json: serde_json::Value = serde_json::from_slice(&decoded.stdout).expect("json");
    assert_eq!(json["name"], "Order notifications");
}

#[test]
fn presets_are_listed_and_exported() {
    let out = mqsim(&["presets", "list", "--format", "json"], "");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = list
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(ids.contains(&"leader-failover") && ids.contains(&"rabbit-retry-dead-letter"));
    let exported = mqsim(&["presets", "export", "consumer-crash"], "");
    let file: serde_json::Value = serde_json::from_slice(&exported.stdout).expect("json");
    assert_eq!(file["version"], 1);
    let missing = mqsim(&["presets", "export", "nope"], "");
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("the presets are order-notifications")
    );
}

#[test]
fn validate_accepts_good_scenarios_and_names_bad_links() {
    let ok = mqsim(&["validate", PRESET], "");
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("valid"));
    let json = mqsim(&["validate", PRESET, "--format", "json"], "");
    let verdict: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(verdict["valid"], true);
    let bad = mqsim(&["validate", "http://127.0.0.1/#s=2.@@@"], "");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not base64url"));
}

/// Definitions → scenario → definitions keeps every exchange, queue and
/// binding, and the scenario routes like the original file.
#[test]
fn rabbit_definitions_import_and_export() {
    let imported = mqsim(
        &["rabbit", "import-definitions", SHOP, "--name", "Shop"],
        "",
    );
    assert!(imported.status.success());
    assert!(String::from_utf8_lossy(&imported.stderr).contains("argument x-max-priority"));
    let dir = std::env::temp_dir().join(format!("mqsim-cli-defs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let scenario = dir.join("shop-scenario.json");
    std::fs::write(&scenario, &imported.stdout).expect("write");
    let exported = mqsim(
        &[
            "rabbit",
            "export-definitions",
            scenario.to_str().expect("utf-8"),
        ],
        "",
    );
    assert!(exported.status.success());
    let definitions = dir.join("shop-again.json");
    std::fs::write(&definitions, &exported.stdout).expect("write");
    let route = |file: &str| {
        let args = [
            "rabbit",
            "route",
            "--definitions",
            file,
            "--exchange",
            "orders",
            "--routing-key",
            "eu.paid.big",
            "--format",
            "json",
        ];
        mqsim(&args, "").stdout
    };
    assert_eq!(route(definitions.to_str().expect("utf-8")), route(SHOP));
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SHOP).expect("read")).expect("json");
    let again: serde_json::Value = serde_json::from_slice(&exported.stdout).expect("json");
    for section in ["exchanges", "queues", "bindings"] {
        assert_eq!(
            again[section].as_array().map(Vec::len),
            original[section].as_array().map(Vec::len),
            "{section}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn validate_lists_problems_as_json() {
    let bad = r#"{"version": 1, "name": "", "seed": 1,
                  "kafka": {"topics": [{"name": "t", "partitions": 0}]}}"#;
    let out = mqsim(&["validate", "-", "--format", "json"], bad);
    assert_eq!(out.status.code(), Some(1));
    let verdict: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(verdict["valid"], false);
    assert_eq!(
        verdict["problems"],
        serde_json::json!([
            "name: must not be empty",
            "kafka.topics[0].partitions: must be 1..=1024, got 0"
        ])
    );
}

/// In KRaft mode `run` prints the metadata quorum as
/// `kafka-metadata-quorum.sh describe --status` does.
#[test]
fn run_prints_a_kraft_quorum_as_kafka_metadata_quorum_describes_it() {
    let scenario = r#"{
      "version": 1, "name": "kraft", "seed": 3, "duration_ms": 20000,
      "kafka": {
        "cluster": {"brokers": 3, "metadata": {"mode": "kraft"}},
        "topics": [{"name": "t", "partitions": 1, "replication_factor": 3}]
      },
      "timeline": [{"at_ms": 5000, "do": "controller_kill", "controller": 100}]
    }"#;
    let out = mqsim(&["run", "-"], scenario);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let quorum: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "METADATA QUORUM (KRaft)")
        .take(7)
        .collect();
    assert_eq!(quorum.len(), 7, "{text}");
    assert!(
        quorum[1] == "LeaderId:              101" || quorum[1] == "LeaderId:              102",
        "another controller leads: {text}"
    );
    assert_eq!(quorum[5], "CurrentVoters:         [100,101,102]");
    assert_eq!(quorum[6], "CurrentObservers:      [0,1,2]");
    assert!(
        !text.contains("CONTROLLER"),
        "no ZooKeeper controller: {text}"
    );
}

/// With Kafka panes, `run` reports each pane's cluster under its title
/// (text and JSON), and `trace --pane N` traces pane N's run.
#[test]
fn kafka_panes_are_reported_and_traced_pane_by_pane() {
    let preset = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../mqsim/presets/zookeeper-vs-kraft.json"
    );
    let out = mqsim(&["run", preset], "");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let zk = text.find("== ZooKeeper (Kafka 3) ==").expect(&text);
    let kraft = text.find("== KRaft (Kafka 4) ==").expect(&text);
    assert!(zk < kraft);
    assert!(text[zk..kraft].contains("CONTROLLER 0"), "{text}");
    assert!(text[kraft..].contains("METADATA QUORUM (KRaft)"), "{text}");
    let out = mqsim(
        &["run", preset, "--format", "json", "--until-ms", "5000"],
        "",
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["panes"][1]["title"], "KRaft (Kafka 4)");
    assert!(json["panes"][1]["kafka"]["cluster"]["quorum"].is_object());
    assert!(json["panes"][0]["kafka"]["cluster"]["quorum"].is_null());
    let fenced = |pane: &str| {
        let out = mqsim(&["trace", preset, "--pane", pane, "--words"], "");
        assert!(out.status.success());
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .contains("broker 1 was fenced")
    };
    assert!(!fenced("1") && fenced("2"));
    let out = mqsim(&["trace", preset, "--pane", "3"], "");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--pane 3: the scenario has 2 pane(s)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `kafka assign --protocol consumer` computes the group coordinator's
/// assignment (KIP-848): `uniform` by default, in Java's hash-map order of
/// member and topic ids (the group-coordinator's first assignment of A, B
/// and C over topic1 and topic2), or `range`; and says which option goes
/// with which protocol.
#[test]
fn kafka_assign_explains_the_consumer_protocols_assignors() {
    let ok = |args: &[&str]| {
        let out = mqsim(args, "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).expect("utf-8"),
            String::from_utf8(out.stderr).expect("utf-8"),
        )
    };
    let (stdout, stderr) = ok(&[
        "kafka",
        "assign",
        "--protocol",
        "consumer",
        "--topic",
        "topic1:3:T1-A4s3VTwiI5CTbEp6POw",
        "--topic",
        "topic2:3:T2-B4s3VTwiI5YHbPp6YUe",
        "--member",
        "A:topic1,topic2",
        "--member",
        "B:topic1,topic2",
        "--member",
        "C:topic1,topic2",
    ]);
    assert_eq!(
        stdout,
        "A\ttopic2[0,1]\nB\ttopic1[0] topic2[2]\nC\ttopic1[1,2]\n"
    );
    assert!(
        stderr.contains("HashMap order of their ids (A, B, C)"),
        "{stderr}"
    );
    let (stdout, _) = ok(&[
        "kafka",
        "assign",
        "--protocol",
        "consumer",
        "--assignor",
        "range",
        "--format",
        "json",
        "--topic",
        "orders:5",
        "--member",
        "c2:orders",
        "--member",
        "c1:orders",
    ]);
    assert_eq!(
        stdout,
        "{\"c1\":{\"orders\":[0,1,2]},\"c2\":{\"orders\":[3,4]}}\n"
    );
    for (args, says) in [
        (
            vec!["--protocol", "consumer", "--strategy", "range"],
            "not --strategy",
        ),
        (vec!["--assignor", "uniform"], "needs --strategy"),
        (
            vec!["--protocol", "consumer", "--topic", "t:2:nope"],
            "is not a topic id",
        ),
    ] {
        let mut all = vec!["kafka", "assign"];
        all.extend(args);
        if !all.contains(&"--topic") {
            all.extend(["--topic", "t:2"]);
        }
        all.extend(["--member", "m:t"]);
        let out = mqsim(&all, "");
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{all:?}: {err}");
    }
}
