"""Live mode's figures (scripts/bench.sh --live): messages a second
published and consumed through `mqsim serve` by pika and by confluent-kafka
(librdkafka), and, with the same pika script in the same run, the ratio
against Debian's rabbitmq-server on loopback when it is installed. A
benchmark, not a test: it measures and prints, and asserts only that every
message came back.

The live run's network is a LAN's, 20 ms one way, so that the page shows
messages travel: a consumer acknowledging with a prefetch of 100 waits a
round trip for each next delivery, which caps it near 2,500 a second
whatever the server does. So pika's round runs twice: on that network, and
on a 1 ms one (a scenario of the same three brokers), which measures the
server, as rabbitmq-server on loopback is measured.

    python bench_live.py [--messages N]   (MQSIM: the mqsim binary to serve)
"""

import argparse
import json
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pika
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from server import Serve, free_port


def pika_round(port, messages):
    """Publishes `messages` to a queue, unconfirmed, then consumes and
    acknowledges them with a prefetch of 100: (published/s, consumed/s)."""
    connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port))
    channel = connection.channel()
    queue = f"bench-{time.monotonic_ns()}"
    channel.queue_declare(queue)
    body = b"x" * 100
    started = time.perf_counter()
    for _ in range(messages):
        channel.basic_publish("", queue, body)
    # A passive declare waits for everything before it.
    channel.queue_declare(queue, passive=True)
    published = messages / (time.perf_counter() - started)
    channel.basic_qos(prefetch_count=100)
    got = 0
    started = time.perf_counter()
    for method, _, _ in channel.consume(queue, inactivity_timeout=10):
        if method is None:
            break
        channel.basic_ack(method.delivery_tag)
        got += 1
        if got == messages:
            break
    consumed = got / (time.perf_counter() - started)
    channel.cancel()
    connection.close()
    assert got == messages, f"{got} of {messages} came back"
    return published, consumed


def kafka_round(bootstrap, messages):
    """Produces `messages` with acks=all, then reads them back by assign:
    (produced/s, consumed/s)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topic = f"bench-{time.monotonic_ns()}"
    (created,) = admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3)]).values()
    created.result(10)
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    value = b"x" * 100
    started = time.perf_counter()
    for n in range(messages):
        while True:
            try:
                producer.produce(topic, key=str(n), value=value)
                break
            except BufferError:
                producer.poll(0.01)
    assert producer.flush(60) == 0, "every record delivered"
    produced = messages / (time.perf_counter() - started)
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(3)])
    got = 0
    started = time.perf_counter()
    deadline = started + 60
    while got < messages and time.perf_counter() < deadline:
        message = consumer.poll(0.5)
        if message is not None and not message.error():
            got += 1
    consumed = got / (time.perf_counter() - started)
    consumer.close()
    assert got == messages, f"{got} of {messages} came back"
    return produced, consumed


def rabbitmq_server():
    """Debian's rabbitmq-server on a free loopback port, in a directory of
    its own, if it is installed: (port, stop) or None."""
    # The server itself: /usr/sbin's wrapper switches to the rabbitmq user
    # and drops this environment.
    server = "/usr/lib/rabbitmq/bin/rabbitmq-server"
    if not os.path.exists(server):
        return None
    home = Path(tempfile.mkdtemp(prefix="bench-rabbitmq-"))
    port = free_port()
    env = dict(
        os.environ,
        HOME=str(home),
        RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
        RABBITMQ_NODE_PORT=str(port),
        RABBITMQ_NODENAME=f"bench{port}@localhost",
        RABBITMQ_DIST_PORT=str(free_port()),
        RABBITMQ_MNESIA_BASE=str(home / "mnesia"),
        RABBITMQ_LOG_BASE=str(home / "log"),
        RABBITMQ_ENABLED_PLUGINS_FILE=str(home / "plugins"),
        RABBITMQ_CONFIG_FILE=str(home / "rabbitmq"),
    )
    process = subprocess.Popen([server], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", port)).close()
            break
        except Exception:
            time.sleep(0.5)
    else:
        process.kill()
        return None

    def stop():
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        subprocess.run(["pkill", "-f", f"bench{port}@localhost"], check=False)

    return port, stop


def fast_network():
    """A scenario file: the live run's three brokers on a 1 ms network."""
    scenario = {
        "version": 1, "name": "Live run, 1 ms network", "seed": 1, "duration_ms": 3_600_000,
        "network": {"latency_ms": 1},
        "kafka": {"cluster": {"brokers": 3, "replica_fetch_interval_ms": 50}},
    }
    path = Path(tempfile.mkdtemp()) / "fast.json"
    path.write_text(json.dumps(scenario))
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    n = parser.parse_args().messages
    serve = Serve()
    try:
        mq_pub, mq_con = pika_round(serve.amqp_port, n)
        k_pub, k_con = kafka_round(serve.bootstrap, n)
    finally:
        serve.stop()
    serve = Serve("--scenario", str(fast_network()))
    try:
        fast_pub, fast_con = pika_round(serve.amqp_port, n)
    finally:
        serve.stop()
    print(f"mqsim serve, pika:            {mq_pub:8.0f} published/s, {mq_con:8.0f} consumed/s ({n} messages, 20 ms network)")
    print(f"mqsim serve, pika:            {fast_pub:8.0f} published/s, {fast_con:8.0f} consumed/s ({n} messages, 1 ms network)")
    print(f"mqsim serve, confluent-kafka: {k_pub:8.0f} produced/s,  {k_con:8.0f} consumed/s ({n} records, acks=all, RF 3)")
    rabbit = rabbitmq_server()
    if rabbit is None:
        print("rabbitmq-server: not installed or did not start (scripts/setup.sh's setup_rabbitmq_server), no ratio")
        return
    port, stop = rabbit
    try:
        r_pub, r_con = pika_round(port, n)
    finally:
        stop()
    print(f"rabbitmq-server, pika:        {r_pub:8.0f} published/s, {r_con:8.0f} consumed/s")
    print(f"ratio mqsim / rabbitmq-server, 1 ms network: published {fast_pub / r_pub:.2f}, consumed {fast_con / r_con:.2f} "
          "(goal: at least 1.0)")
    print(f"ratio mqsim / rabbitmq-server, 20 ms network: published {mq_pub / r_pub:.2f}, consumed {mq_con / r_con:.2f}")


if __name__ == "__main__":
    socket.setdefaulttimeout(None)
    main()
