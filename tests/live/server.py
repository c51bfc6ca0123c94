"""Starts and stops `mqsim serve` for a test: on 127.0.0.1, on a free port,
from the binary `cargo test` built (or MQSIM, if set)."""

import json
import os
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MQSIM = os.environ.get("MQSIM", str(REPO / "target" / "debug" / "mqsim"))
# The scenarios the page offers, for a server to start from.
PRESETS = REPO / "crates" / "mqsim" / "presets"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(count):
    """The first of `count` consecutive ports free on 127.0.0.1: the Kafka
    brokers' (broker i listens on the first + i)."""
    for _ in range(100):
        first = free_port()
        sockets = []
        try:
            for i in range(count):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", first + i))
            return first
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError(f"no {count} consecutive free ports")


class Serve:
    """`mqsim serve` with the given extra arguments, listening for AMQP on
    `amqp_port` and for Kafka on `kafka_port` (broker i on `kafka_port` + i;
    `brokers` of them, the scenario's count)."""

    def __init__(self, *args, brokers=3):
        # One block of free ports, so that none is picked twice: AMQP's,
        # then the brokers'.
        self.amqp_port = free_ports(brokers + 1)
        self.kafka_port = self.amqp_port + 1
        # Every broker, as a client is told to bootstrap from a cluster: one
        # that is down is passed over.
        self.bootstrap = ",".join(f"127.0.0.1:{self.kafka_port + i}" for i in range(brokers))
        self.process = subprocess.Popen(
            # The page on any free port: these tests are the clients'.
            [MQSIM, "serve", "--amqp", f"127.0.0.1:{self.amqp_port}",
             "--kafka", f"127.0.0.1:{self.kafka_port}", "--http", "127.0.0.1:0", *args],
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.amqp_port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"mqsim serve did not start: {self.log}")
                time.sleep(0.05)

    def stop(self):
        """Stops the server; its log (standard error) is kept in `log`."""
        if self.process.poll() is None:
            self.process.terminate()
        _, self.log = self.process.communicate(timeout=10)
        return self.log


def recorded(path, until, timeout=3):
    """The recording `mqsim serve --record` keeps at `path`, once `until`
    holds for it. The file is never more than a moment behind the run (a
    long recording is written a few times a second), so this waits for it
    a little; after `timeout` seconds it returns the recording as it is, for
    the test's assertion to say what differs."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            recording = json.loads(Path(path).read_text())
        except FileNotFoundError:
            recording = {"timeline": []}
        if until(recording) or time.monotonic() > deadline:
            return recording
        time.sleep(0.02)


def done(recording):
    """What each entry of a recording does, in order."""
    return [entry["do"] for entry in recording["timeline"]]
