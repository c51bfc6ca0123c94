"""Consumer groups of live Kafka clients against `mqsim serve`: the classic
group protocol (FindCoordinator, JoinGroup with KIP-394's member id,
SyncGroup with the leader's assignment, Heartbeat, OffsetCommit,
OffsetFetch, LeaveGroup) answered by the run's coordinator, and the admin
requests that list and describe groups (ListGroups, DescribeGroups). Two
kafka-python consumers share a topic's partitions as the leader's
assignor divides them; a consumer that commits and closes is followed by
one that resumes from the committed offsets; librdkafka reads and commits
through a group, and on the consumer protocol (KIP-848, ConsumerGroupHeartbeat)
two librdkafka members share partitions the coordinator assigns; the
recordings replay to the same committed offsets; and
both clients' admin tools see the live groups and the scenario's
simulated ones, with their states, assignors and members."""

import json
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

from confluent_kafka import Consumer, ConsumerGroupState, Producer
from confluent_kafka.admin import AdminClient, NewTopic as ConfluentTopic
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from server import MQSIM, PRESETS, Serve, recorded, done


def replayed_group(recording, group):
    """The group as a replay of the recording has it (`mqsim run`)."""
    replay = subprocess.run([MQSIM, "run", str(recording), "--format", "json"], capture_output=True, text=True)
    assert replay.returncode == 0, replay.stderr
    (described,) = [g for g in json.loads(replay.stdout)["kafka"]["groups"] if g["name"] == group]
    return described


class KafkaPythonGroups(unittest.TestCase):
    def setUp(self):
        self.recording = Path(tempfile.mkdtemp()) / "live.json"
        self.server = Serve("--record", str(self.recording))
        admin = KafkaAdminClient(bootstrap_servers=self.server.bootstrap)
        admin.create_topics([NewTopic("orders", 4, 3)])
        admin.close()

    def tearDown(self):
        self.server.stop()

    def produce(self, first, count):
        producer = KafkaProducer(bootstrap_servers=self.server.bootstrap, acks="all")
        for n in range(first, first + count):
            # One record per partition in turn: every member has some.
            producer.send("orders", value=f"order {n}".encode(), partition=n % 4)
        producer.flush()
        producer.close()

    def consumer(self, name, **settings):
        return KafkaConsumer("orders", bootstrap_servers=self.server.bootstrap, group_id="billing",
                             client_id=name, auto_offset_reset="earliest", enable_auto_commit=False,
                             **settings)

    def test_two_members_share_the_partitions_as_the_leader_assigns(self):
        self.produce(0, 40)
        read, assigned = {}, {}

        def member(name):
            consumer = self.consumer(name, consumer_timeout_ms=6000)
            for message in consumer:
                read.setdefault(name, []).append(message.value.decode())
                consumer.commit()
            assigned[name] = sorted(tp.partition for tp in consumer.assignment())
            consumer.close()

        threads = [threading.Thread(target=member, args=(name,)) for name in ("alice", "bob")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Both joined within the group's first 3 s (group.initial.rebalance.delay.ms):
        # one generation, the range assignor's halves.
        self.assertEqual(sorted(assigned.values()), [[0, 1], [2, 3]])
        self.assertEqual(sorted(sum(read.values(), [])), sorted(f"order {n}" for n in range(40)))
        for name, values in read.items():
            self.assertEqual(len(values), 20, name)
        recording = recorded(self.recording, lambda r: done(r).count("consumer_leave") == 2)
        entries = done(recording)
        self.assertEqual(entries.count("group_add"), 1)
        self.assertEqual(entries.count("consumer_join"), 1)
        self.assertEqual(entries.count("group_sync"), 1)
        (sync,) = [e for e in recording["timeline"] if e["do"] == "group_sync"]
        self.assertEqual(sorted(len(part["partitions"]) for part in sync["assignment"]), [2, 2])
        # The replay has every partition committed to its end.
        group = replayed_group(self.recording, "billing")
        self.assertEqual([p["committed_offset"] for p in group["partitions"]], [10, 10, 10, 10])

    def test_a_consumer_resumes_from_the_offsets_committed_before_it(self):
        self.produce(0, 20)
        first = self.consumer("first", consumer_timeout_ms=5000)
        before = [message.value.decode() for message in first]
        first.commit()
        first.close()
        self.assertEqual(len(before), 20)
        self.produce(20, 8)
        second = self.consumer("second", consumer_timeout_ms=5000)
        after = [message.value.decode() for message in second]
        second.close()
        self.assertEqual(sorted(after), sorted(f"order {n}" for n in range(20, 28)), "only what came after the commit")

    def test_admin_tools_list_and_describe_the_group_while_its_members_read(self):
        self.produce(0, 8)
        # Each member polls in a thread of its own, as an application does:
        # a JoinGroup waits for the other member's.
        halves, stop = {}, threading.Event()

        def poll_as(name):
            consumer = self.consumer(name)
            while not stop.is_set():
                consumer.poll(timeout_ms=100)
                halves[name] = len(consumer.assignment())
            consumer.close()

        threads = [threading.Thread(target=poll_as, args=(name,)) for name in ("alice", "bob")]
        for thread in threads:
            thread.start()
        start = time.monotonic()
        while halves != {"alice": 2, "bob": 2} and time.monotonic() - start < 20:
            time.sleep(0.1)
        admin = KafkaAdminClient(bootstrap_servers=self.server.bootstrap)
        try:
            listed = admin.list_groups()
            self.assertEqual(listed, [{"group_id": "billing", "protocol_type": "consumer", "group_state": "Stable",
                                       "group_type": "classic"}])
            self.assertEqual(admin.list_groups(states_filter=["Empty"]), [])
            described = admin.describe_groups(["billing", "nobody"])
            billing = described["billing"]
            self.assertEqual((billing["group_state"], billing["protocol_type"], billing["protocol_data"]),
                             ("Stable", "consumer", "range"))
            members = {m["client_id"]: m for m in billing["members"]}
            self.assertEqual(sorted(members), ["alice", "bob"])
            owned_halves = []
            for name, member in members.items():
                self.assertEqual(member["client_host"], "/127.0.0.1")
                self.assertEqual(member["member_metadata"]["topics"], ["orders"], name)
                (owned,) = member["member_assignment"]["assigned_partitions"]
                self.assertEqual(owned["topic"], "orders")
                owned_halves.append(sorted(owned["partitions"]))
            self.assertEqual(sorted(owned_halves), [[0, 1], [2, 3]])
            # A group nobody has: Kafka's "Dead", and from version 6 its error.
            self.assertEqual(described["nobody"]["group_state"], "Dead")
            self.assertIn("GroupIdNotFoundError", described["nobody"]["error"])
        finally:
            admin.close()
            stop.set()
            for thread in threads:
                thread.join()


    def test_a_member_whose_client_is_killed_is_dropped_when_its_session_runs_out(self):
        # Two members in processes of their own (group_member.py); one is
        # killed (no LeaveGroup): the coordinator notices when its session
        # (10 s, as group_member.py sets it) runs out, and the other takes
        # everything.
        members = {name: subprocess.Popen([sys.executable, str(Path(__file__).parent / "group_member.py"),
                                           self.server.bootstrap, "orders", "billing", name, "kafka-python"],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
                   for name in ("alice", "bob")}
        owned = {}

        def listen(name, process):
            for line in process.stdout:
                owned[name] = json.loads(line)["assigned"]

        for name, process in members.items():
            threading.Thread(target=listen, args=(name, process), daemon=True).start()
        try:
            start = time.monotonic()
            while owned != {"alice": [0, 1], "bob": [2, 3]} and time.monotonic() - start < 30:
                time.sleep(0.1)
            self.assertEqual(sorted(map(len, owned.values())), [2, 2], owned)
            members["bob"].kill()
            killed = time.monotonic()
            while owned.get("alice") != [0, 1, 2, 3] and time.monotonic() - killed < 30:
                time.sleep(0.1)
            self.assertEqual(owned["alice"], [0, 1, 2, 3])
            # Not before the session ran out.
            self.assertGreater(time.monotonic() - killed, 9)
            recording = recorded(self.recording, lambda r: "consumer_crash" in done(r))
            self.assertIn("consumer_crash", done(recording))
        finally:
            for process in members.values():
                process.kill()
                process.wait()


class LibrdkafkaGroups(unittest.TestCase):
    def setUp(self):
        self.server = Serve()

    def tearDown(self):
        self.server.stop()

    def test_librdkafka_reads_and_commits_through_a_group(self):
        admin = AdminClient({"bootstrap.servers": self.server.bootstrap})
        admin.create_topics([ConfluentTopic("payments", 3, 3)])["payments"].result(10)
        producer = Producer({"bootstrap.servers": self.server.bootstrap, "acks": "all"})
        for n in range(30):
            producer.produce("payments", key=f"customer-{n}", value=f"payment {n}")
        producer.flush(10)
        consumer = Consumer({"bootstrap.servers": self.server.bootstrap, "group.id": "audit",
                             "auto.offset.reset": "earliest", "enable.auto.commit": False})
        consumer.subscribe(["payments"])
        read, start = [], time.monotonic()
        while len(read) < 30 and time.monotonic() - start < 20:
            message = consumer.poll(0.2)
            if message is not None and not message.error():
                read.append(message.value().decode())
                consumer.commit(message, asynchronous=False)
        self.assertEqual(sorted(read), sorted(f"payment {n}" for n in range(30)))
        self.assertEqual(sorted(tp.partition for tp in consumer.assignment()), [0, 1, 2])
        committed = consumer.committed(consumer.assignment(), timeout=10)
        self.assertEqual(sum(tp.offset for tp in committed), 30)
        consumer.close()


class ConsumerProtocol(unittest.TestCase):
    """librdkafka with `group.protocol=consumer` (KIP-848): no JoinGroup,
    no leader; the members heartbeat and the run's coordinator assigns."""

    def setUp(self):
        self.recording = Path(tempfile.mkdtemp()) / "live.json"
        self.server = Serve("--record", str(self.recording))
        admin = AdminClient({"bootstrap.servers": self.server.bootstrap})
        admin.create_topics([ConfluentTopic("payments", 3, 3)])["payments"].result(10)

    def tearDown(self):
        self.server.stop()

    def produce(self, first, count):
        producer = Producer({"bootstrap.servers": self.server.bootstrap, "acks": "all"})
        for n in range(first, first + count):
            producer.produce("payments", key=f"customer-{n}", value=f"payment {n}")
        producer.flush(10)

    def test_two_members_share_the_partitions_and_the_survivor_takes_them_all(self):
        owned, read, leave = {}, [], {"first": threading.Event(), "second": threading.Event()}

        def member(name):
            consumer = Consumer({"bootstrap.servers": self.server.bootstrap, "group.id": "audit",
                                 "group.protocol": "consumer", "client.id": name,
                                 "auto.offset.reset": "earliest", "enable.auto.commit": False})
            consumer.subscribe(["payments"])
            while not leave[name].is_set():
                message = consumer.poll(0.1)
                owned[name] = sorted(tp.partition for tp in consumer.assignment())
                if message is not None and not message.error():
                    read.append((name, message.value().decode()))
                    consumer.commit(message, asynchronous=False)
            consumer.close()

        def wait_for(what, seconds=20):
            start = time.monotonic()
            while not what() and time.monotonic() - start < seconds:
                time.sleep(0.05)
            return what()

        first = threading.Thread(target=member, args=("first",))
        first.start()
        self.assertTrue(wait_for(lambda: owned.get("first") == [0, 1, 2]), owned)
        second = threading.Thread(target=member, args=("second",))
        second.start()
        # uniform gives the newcomer one partition; first gives it up before
        # second may take it, and keeps the other two all along.
        self.assertTrue(wait_for(lambda: len(owned.get("second", [])) == 1 and len(owned["first"]) == 2), owned)
        self.assertEqual(sorted(owned["first"] + owned["second"]), [0, 1, 2])
        self.produce(0, 30)
        self.assertTrue(wait_for(lambda: len(read) == 30), len(read))
        self.assertEqual(sorted(v for _, v in read), sorted(f"payment {n}" for n in range(30)), "each read once")
        self.assertEqual({name for name, _ in read}, {"first", "second"})
        # second closes (epoch -1): first is given everything again.
        leave["second"].set()
        second.join()
        self.assertTrue(wait_for(lambda: owned["first"] == [0, 1, 2]), owned)
        self.produce(30, 6)
        self.assertTrue(wait_for(lambda: len(read) == 36), len(read))
        leave["first"].set()
        first.join()

        recording = recorded(self.recording, lambda r: done(r).count("consumer_leave") == 2)
        entries = done(recording)
        self.assertEqual(entries.count("group_add") + entries.count("consumer_join"), 2)
        self.assertGreater(entries.count("consumer_heartbeat"), 4)
        self.assertNotIn("group_sync", entries)
        # The replay has every record committed.
        group = replayed_group(self.recording, "audit")
        self.assertEqual(sum(p["committed_offset"] for p in group["partitions"]), 36)


class LibrdkafkaAdmin(unittest.TestCase):
    """librdkafka's admin client on a scenario whose two groups are
    simulated, beside a group of its own consumer."""

    def setUp(self):
        self.server = Serve("--scenario", str(PRESETS / "two-groups.json"), brokers=1)

    def tearDown(self):
        self.server.stop()

    def test_the_simulated_groups_are_listed_and_described_beside_a_live_one(self):
        consumer = Consumer({"bootstrap.servers": self.server.bootstrap, "group.id": "audit", "client.id": "auditor",
                             "auto.offset.reset": "earliest"})
        consumer.subscribe(["orders"])
        start = time.monotonic()
        while not consumer.assignment() and time.monotonic() - start < 20:
            consumer.poll(0.2)
        admin = AdminClient({"bootstrap.servers": self.server.bootstrap})
        try:
            listed = admin.list_consumer_groups(request_timeout=10).result()
            self.assertEqual(listed.errors, [])
            states = {g.group_id: g.state for g in listed.valid}
            self.assertEqual(states, {"billing": ConsumerGroupState.STABLE, "analytics": ConsumerGroupState.STABLE,
                                      "audit": ConsumerGroupState.STABLE})
            stable = admin.list_consumer_groups(states={ConsumerGroupState.EMPTY}, request_timeout=10).result()
            self.assertEqual(stable.valid, [])

            described = admin.describe_consumer_groups(["billing", "audit", "nobody"], request_timeout=10)
            billing = described["billing"].result()
            self.assertEqual((billing.state, billing.partition_assignor), (ConsumerGroupState.STABLE, "range"))
            self.assertEqual(sorted(m.client_id for m in billing.members), ["biller-1", "biller-2"])
            owned = sorted(tp.partition for m in billing.members for tp in m.assignment.topic_partitions)
            self.assertEqual(owned, list(range(len(owned))), "each partition of orders to one biller")
            self.assertGreater(len(owned), 0)
            audit = described["audit"].result()
            (auditor,) = audit.members
            self.assertEqual((auditor.client_id, auditor.host), ("auditor", "/127.0.0.1"))
            self.assertEqual(sorted(tp.partition for tp in auditor.assignment.topic_partitions), owned)
            # A group nobody has: Kafka's "Dead", with no members.
            self.assertEqual(described["nobody"].result().state, ConsumerGroupState.DEAD)
        finally:
            consumer.close()


if __name__ == "__main__":
    unittest.main()
