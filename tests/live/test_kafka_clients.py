"""kafka-python and confluent-kafka (librdkafka) against `mqsim serve`: the
run's brokers on ports of their own, topics created, records produced with
each client's own partitioner and read back from the run's leaders, a
leader killed in the run while acks=all records are produced, and the
recording replayed to the same logs."""

import json
import subprocess
import tempfile
import time
import unittest
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition as ConfluentPartition
from confluent_kafka.admin import AdminClient, NewTopic as ConfluentTopic
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from server import MQSIM, Serve, recorded

# A broker of the run is killed at 3 s, while records are produced. Its
# ZooKeeper session ends 1.5 s later: until then the controller does not
# know, and acks=all writes wait for the dead replica, as in Kafka (whose
# default session timeout is 18 s). A network of 5 ms and followers that
# fetch again within 20 ms of an empty fetch keep acks=all writes quick,
# as on a real cluster's LAN: a broker answers a connection's requests one
# at a time, so a slow write holds up the ones after it.
FAILOVER = {
    "version": 1,
    "name": "failover",
    "seed": 7,
    "duration_ms": 3_600_000,
    "network": {"latency_ms": 5},
    "kafka": {
        "cluster": {"brokers": 3, "zookeeper_session_timeout_ms": 1500, "replica_fetch_interval_ms": 20},
        "topics": [{"name": "orders", "partitions": 3, "replication_factor": 3, "min_insync_replicas": 2}],
    },
    "timeline": [{"at_ms": 3000, "do": "broker_kill", "broker": 0}],
}


def summary(recording):
    """`mqsim run --format json` of a recording: the replay's Kafka side."""
    replay = subprocess.run([MQSIM, "run", str(recording), "--format", "json"], capture_output=True, text=True)
    assert replay.returncode == 0, replay.stderr
    return json.loads(replay.stdout)["kafka"]


def log_ends(kafka_summary, topic):
    """Each partition's log end offset, as a replay of the recording has it."""
    (described,) = [t for t in kafka_summary["topics"] if t["name"] == topic]
    return [p["log_end_offset"] for p in described["partitions"]]


class KafkaPython(unittest.TestCase):
    def setUp(self):
        self.recording = Path(tempfile.mkdtemp()) / "live.json"
        self.server = Serve("--record", str(self.recording))

    def tearDown(self):
        self.server.stop()

    def test_a_topic_is_created_produced_to_with_keys_and_read_back(self):
        admin = KafkaAdminClient(bootstrap_servers=self.server.bootstrap)
        admin.create_topics([NewTopic("orders", num_partitions=3, replication_factor=3)])
        with self.assertRaises(TopicAlreadyExistsError):
            admin.create_topics([NewTopic("orders", num_partitions=3, replication_factor=3)])
        admin.close()
        producer = KafkaProducer(bootstrap_servers=self.server.bootstrap, acks="all")
        keyed = [producer.send("orders", key=f"customer-{n % 4}".encode(), value=f"order {n}".encode()) for n in range(24)]
        unkeyed = [producer.send("orders", value=f"note {n}".encode()) for n in range(6)]
        producer.flush(timeout=30)
        sent = {}
        for future, value in zip(keyed + unkeyed, [f"order {n}" for n in range(24)] + [f"note {n}" for n in range(6)]):
            meta = future.get(timeout=1)
            sent[(meta.partition, meta.offset)] = value
        producer.close()
        # kafka-python's own partitioner (murmur2): one key, one partition.
        by_key = {}
        for n, future in enumerate(keyed):
            by_key.setdefault(n % 4, set()).add(future.get().partition)
        self.assertTrue(all(len(partitions) == 1 for partitions in by_key.values()), by_key)

        consumer = KafkaConsumer(bootstrap_servers=self.server.bootstrap, auto_offset_reset="earliest",
                                 enable_auto_commit=False, consumer_timeout_ms=2000)
        consumer.assign([TopicPartition("orders", p) for p in range(3)])
        read = {(m.partition, m.offset): m.value.decode() for m in consumer}
        consumer.close()
        self.assertEqual(read, sent)

        recording = recorded(self.recording, lambda r: sum(e["do"] == "produce" for e in r["timeline"]) == 30)
        self.assertEqual(sum(e["do"] == "produce" for e in recording["timeline"]), 30)
        ends = [0, 0, 0]
        for partition, offset in sent:
            ends[partition] = max(ends[partition], offset + 1)
        self.assertEqual(log_ends(summary(self.recording), "orders"), ends)

    def test_a_topic_named_first_is_created_with_kafkas_defaults(self):
        producer = KafkaProducer(bootstrap_servers=self.server.bootstrap)
        meta = producer.send("clicks", b"first").get(timeout=10)
        producer.close()
        self.assertEqual((meta.partition, meta.offset), (0, 0))
        recording = recorded(self.recording, lambda r: any(e["do"] == "produce" for e in r["timeline"]))
        (created,) = [e["topic"] for e in recording["timeline"] if e["do"] == "topic_create"]
        # num.partitions 1, default.replication.factor 1.
        self.assertEqual(created, {"name": "clicks", "partitions": 1})


class ConfluentKafka(unittest.TestCase):
    def setUp(self):
        self.server = Serve()

    def tearDown(self):
        self.server.stop()

    def test_librdkafka_creates_produces_and_reads_back(self):
        admin = AdminClient({"bootstrap.servers": self.server.bootstrap})
        (future,) = admin.create_topics([ConfluentTopic("payments", num_partitions=3, replication_factor=2)]).values()
        future.result(10)
        (again,) = admin.create_topics([ConfluentTopic("payments", num_partitions=3, replication_factor=2)]).values()
        with self.assertRaisesRegex(Exception, "already exists"):
            again.result(10)
        (too_many,) = admin.create_topics([ConfluentTopic("audit", num_partitions=1, replication_factor=4)]).values()
        with self.assertRaisesRegex(Exception, "only 3 broker"):
            too_many.result(10)

        delivered = []
        producer = Producer({"bootstrap.servers": self.server.bootstrap, "acks": "all"})
        for n in range(20):
            producer.produce("payments", key=f"user-{n % 5}", value=f"pay {n}",
                             on_delivery=lambda err, m: delivered.append((err, m.partition(), m.offset(), m.key(), m.value())))
        producer.produce("payments", value="no key")
        producer.flush(20)
        self.assertEqual(len(delivered), 20)
        self.assertTrue(all(err is None for err, *_ in delivered), delivered)
        # librdkafka's own partitioner (consistent_random: murmur2 of the key's bytes by crc32): one key, one partition.
        by_key = {}
        for _, partition, _, key, _ in delivered:
            by_key.setdefault(key, set()).add(partition)
        self.assertTrue(all(len(p) == 1 for p in by_key.values()), by_key)

        consumer = Consumer({"bootstrap.servers": self.server.bootstrap, "group.id": "readers", "enable.auto.commit": False})
        consumer.assign([ConfluentPartition("payments", p, 0) for p in range(3)])
        read = {}
        deadline = time.monotonic() + 10
        while len(read) < 21 and time.monotonic() < deadline:
            message = consumer.poll(0.2)
            if message is not None and not message.error():
                read[(message.partition(), message.offset())] = message.value()
        consumer.close()
        for _, partition, offset, _, value in delivered:
            self.assertEqual(read[(partition, offset)], value)
        self.assertIn(b"no key", read.values())


class Failover(unittest.TestCase):
    """A leader dies in the run while acks=all records are produced: the
    clients find the new leaders, and every acknowledged record is there."""

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        scenario = self.dir / "failover.json"
        scenario.write_text(json.dumps(FAILOVER))
        self.recording = self.dir / "live.json"
        self.server = Serve("--scenario", str(scenario), "--record", str(self.recording))

    def tearDown(self):
        self.server.stop()

    def produce_through_the_kill(self, send, poll):
        """Sends a record every 20 ms for 6 s of wall time: across the
        kill at 3 s of the run."""
        start = time.monotonic()
        n = 0
        while time.monotonic() - start < 6:
            send(f"order {n}")
            poll()
            n += 1
            time.sleep(0.02)
        return n

    def read_all(self):
        consumer = Consumer({"bootstrap.servers": self.server.bootstrap, "group.id": "audit", "enable.auto.commit": False})
        consumer.assign([ConfluentPartition("orders", p, 0) for p in range(3)])
        read = {}
        quiet = time.monotonic()
        while time.monotonic() - quiet < 2:
            message = consumer.poll(0.2)
            if message is not None and not message.error():
                read[(message.partition(), message.offset())] = message.value().decode()
                quiet = time.monotonic()
        consumer.close()
        return read

    def test_librdkafka_loses_no_acknowledged_record(self):
        acked = []
        failed = []
        producer = Producer({"bootstrap.servers": self.server.bootstrap, "acks": "all", "enable.idempotence": True,
                             "message.timeout.ms": 20000})

        def on_delivery(err, message):
            if err is None:
                acked.append((message.partition(), message.offset(), message.value().decode()))
            else:
                failed.append(err)

        sent = self.produce_through_the_kill(
            lambda value: producer.produce("orders", key=value.split()[1], value=value, on_delivery=on_delivery),
            lambda: producer.poll(0),
        )
        self.assertEqual(producer.flush(30), 0)
        self.assertEqual(failed, [])
        self.assertEqual(len(acked), sent)
        read = self.read_all()
        for partition, offset, value in acked:
            self.assertEqual(read.get((partition, offset)), value, f"acknowledged record {partition}/{offset} is there")
        # The run's broker 0 is down, and the replay of the recording agrees.
        kafka = summary(self.recording)
        leaders = {p["leader"] for t in kafka["topics"] for p in t["partitions"]}
        self.assertNotIn(0, leaders)
        recording = json.loads(self.recording.read_text())
        self.assertEqual(sum(e["do"] == "produce" for e in recording["timeline"]) >= len(acked), True)

    def test_kafka_python_loses_no_acknowledged_record(self):
        producer = KafkaProducer(bootstrap_servers=self.server.bootstrap, acks="all", retries=20,
                                 request_timeout_ms=5000, reconnect_backoff_max_ms=200)
        futures = []
        self.produce_through_the_kill(
            lambda value: futures.append((value, producer.send("orders", key=value.split()[1].encode(), value=value.encode()))),
            lambda: None,
        )
        producer.flush(timeout=30)
        acked = []
        for value, future in futures:
            if future.succeeded():
                meta = future.get()
                acked.append((meta.partition, meta.offset, value))
        producer.close()
        self.assertGreater(len(acked), len(futures) * 9 // 10)
        read = self.read_all()
        for partition, offset, value in acked:
            self.assertEqual(read.get((partition, offset)), value, f"acknowledged record {partition}/{offset} is there")


if __name__ == "__main__":
    unittest.main()
