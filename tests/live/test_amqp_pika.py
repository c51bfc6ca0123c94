"""pika, the Python client most RabbitMQ tutorials use, against `mqsim serve`:
it negotiates a connection (credentials, tuning, heartbeats), opens and closes
channels, declares exchanges, queues and bindings, and hears RabbitMQ's reply
codes when it is refused; the recording replays what it declared."""

import subprocess
import tempfile
import unittest
from pathlib import Path

import pika
import pika.exceptions

from server import MQSIM, Serve, done, recorded


class PikaConnects(unittest.TestCase):
    def setUp(self):
        self.server = Serve()
        self.addCleanup(self.server.stop)

    def parameters(self, **kwargs):
        return pika.ConnectionParameters(
            host="127.0.0.1", port=self.server.amqp_port, connection_attempts=1, **kwargs
        )

    def test_a_connection_opens_channels_and_closes_cleanly(self):
        connection = pika.BlockingConnection(self.parameters(heartbeat=5))
        server = connection._impl.server_properties
        self.assertEqual(server["product"], "MQ Playground (mqsim serve)")
        self.assertTrue(server["capabilities"]["publisher_confirms"])
        first, second = connection.channel(), connection.channel()
        self.assertEqual((first.channel_number, second.channel_number), (1, 2))
        first.close()
        self.assertTrue(first.is_closed)
        self.assertTrue(second.is_open)
        # Heartbeats at the negotiated 5 s keep it open past two intervals.
        connection.sleep(11)
        self.assertTrue(connection.is_open)
        connection.close()
        self.assertTrue(connection.is_closed)
        log = self.server.stop()
        self.assertNotIn("missed heartbeats", log)
        self.assertNotIn("closed:", log)

    def test_wrong_credentials_are_refused_with_access_refused(self):
        credentials = pika.PlainCredentials("guest", "not-the-password")
        with self.assertRaises(pika.exceptions.ProbableAuthenticationError) as refused:
            pika.BlockingConnection(self.parameters(credentials=credentials))
        self.assertIn("403", str(refused.exception))
        self.assertIn("ACCESS_REFUSED", str(refused.exception))

    def test_an_unknown_virtual_host_is_not_allowed(self):
        with self.assertRaises(pika.exceptions.ProbableAccessDeniedError) as refused:
            pika.BlockingConnection(self.parameters(virtual_host="staging"))
        self.assertIn("NOT_ALLOWED - vhost staging not found", str(refused.exception))


class OtherCredentials(unittest.TestCase):
    def test_the_user_and_password_can_be_set(self):
        server = Serve("--user", "teacher", "--password", "s3cret")
        self.addCleanup(server.stop)
        parameters = pika.ConnectionParameters(
            host="127.0.0.1",
            port=server.amqp_port,
            credentials=pika.PlainCredentials("teacher", "s3cret"),
        )
        connection = pika.BlockingConnection(parameters)
        connection.channel()
        connection.close()


if __name__ == "__main__":
    unittest.main()


class PikaDeclares(unittest.TestCase):
    """Exchanges, queues and bindings declared with pika are the engine's,
    with RabbitMQ's answers, and the recording replays them."""

    def setUp(self):
        self.recording = Path(tempfile.mkdtemp()) / "live.json"
        self.server = Serve("--record", str(self.recording))
        self.addCleanup(self.server.stop)
        self.connection = pika.BlockingConnection(
            pika.ConnectionParameters(host="127.0.0.1", port=self.server.amqp_port)
        )
        self.addCleanup(lambda: self.connection.is_open and self.connection.close())

    def refused(self, code, declare):
        """Runs `declare` on a fresh channel, which the broker closes with `code`."""
        channel = self.connection.channel()
        with self.assertRaises(pika.exceptions.ChannelClosedByBroker) as closed:
            declare(channel)
        self.assertEqual(closed.exception.reply_code, code, closed.exception.reply_text)
        return closed.exception.reply_text

    def test_topology_is_declared_again_as_it_is_and_refused_when_it_differs(self):
        channel = self.connection.channel()
        channel.exchange_declare("orders", "topic")
        declared = channel.queue_declare("billing", arguments={"x-message-ttl": 30000})
        self.assertEqual(declared.method.queue, "billing")
        self.assertEqual(declared.method.message_count, 0)
        channel.queue_bind("billing", "orders", routing_key="eu.#")
        # Declaring what exists, as it is, is fine and changes nothing.
        channel.exchange_declare("orders", "topic")
        channel.queue_declare("billing", arguments={"x-message-ttl": 30000})
        channel.queue_bind("billing", "orders", routing_key="eu.#")
        channel.exchange_declare("orders", passive=True)
        named = channel.queue_declare("", exclusive=True)
        self.assertTrue(named.method.queue.startswith("amq.gen-"), named.method.queue)

        self.assertEqual(
            self.refused(406, lambda c: c.exchange_declare("orders", "fanout")),
            "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'orders' in vhost '/':"
            " received 'fanout' but current is 'topic'",
        )
        self.assertEqual(
            self.refused(406, lambda c: c.queue_declare("billing", arguments={"x-message-ttl": 60000})),
            "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'billing' in vhost '/':"
            " received '60000' but current is '30000'",
        )
        self.assertEqual(
            self.refused(404, lambda c: c.queue_declare("nope", passive=True)),
            "NOT_FOUND - no queue 'nope' in vhost '/'",
        )
        self.assertEqual(
            self.refused(404, lambda c: c.queue_bind("billing", "nowhere", routing_key="k")),
            "NOT_FOUND - no exchange 'nowhere' in vhost '/'",
        )
        self.assertEqual(
            self.refused(403, lambda c: c.queue_declare("amq.mine")),
            "ACCESS_REFUSED - queue name 'amq.mine' contains reserved prefix 'amq.*'",
        )
        # A channel error leaves the connection and the other channel open.
        self.assertTrue(channel.is_open)
        channel.queue_declare("billing", passive=True)

    def test_bindings_and_queues_go_again(self):
        channel = self.connection.channel()
        channel.exchange_declare("orders", "topic")
        channel.queue_declare("billing")
        channel.queue_bind("billing", "orders", routing_key="eu.#")
        channel.queue_unbind("billing", "orders", routing_key="eu.#")
        # Unbinding what is not bound changes nothing.
        channel.queue_unbind("billing", "orders", routing_key="eu.#")
        deleted = channel.queue_delete("billing", if_unused=True, if_empty=True)
        self.assertEqual(deleted.method.message_count, 0)
        self.assertEqual(
            self.refused(404, lambda c: c.queue_declare("billing", passive=True)),
            "NOT_FOUND - no queue 'billing' in vhost '/'",
        )
        # Deleting a queue that is not there is fine.
        self.assertEqual(channel.queue_delete("billing").method.message_count, 0)
        expected = ["rabbit_exchange_declare", "rabbit_queue_declare", "rabbit_bind", "rabbit_unbind", "rabbit_queue_delete"]
        recording = recorded(self.recording, lambda r: done(r) == expected)
        self.assertEqual(done(recording), expected)

    def test_exchanges_bind_to_exchanges_and_unbind(self):
        channel = self.connection.channel()
        channel.exchange_declare("orders", "topic")
        channel.exchange_declare("audit", "fanout")
        channel.queue_declare("log")
        channel.queue_bind("log", "audit")
        channel.exchange_bind(destination="audit", source="orders", routing_key="eu.#")
        channel.confirm_delivery()
        channel.basic_publish("orders", "eu.paid", b"via audit", mandatory=True)
        method, _, body = channel.basic_get("log", auto_ack=True)
        self.assertEqual((body, method.exchange), (b"via audit", "orders"))
        channel.exchange_unbind(destination="audit", source="orders", routing_key="eu.#")
        with self.assertRaises(pika.exceptions.UnroutableError):
            channel.basic_publish("orders", "eu.paid", b"nowhere now", mandatory=True)
        self.assertEqual(
            self.refused(404, lambda c: c.exchange_bind(destination="audit", source="nope")),
            "NOT_FOUND - no exchange 'nope' in vhost '/'",
        )
        self.assertEqual(
            self.refused(403, lambda c: c.exchange_bind(destination="", source="orders")),
            "ACCESS_REFUSED - operation not permitted on the default exchange",
        )

    def test_a_queue_is_purged_and_an_exchange_deleted(self):
        channel = self.connection.channel()
        channel.exchange_declare("orders", "topic")
        channel.queue_declare("work")
        channel.queue_bind("work", "orders", "#")
        channel.confirm_delivery()
        for n in range(3):
            channel.basic_publish("orders", "k", f"job {n}".encode())
        self.assertEqual(channel.queue_purge("work").method.message_count, 3)
        self.assertEqual(channel.queue_declare("work", passive=True).method.message_count, 0)
        self.assertEqual(
            self.refused(406, lambda c: c.exchange_delete("orders", if_unused=True)),
            "PRECONDITION_FAILED - exchange 'orders' in vhost '/' in use",
        )
        channel.exchange_delete("orders")
        channel.exchange_delete("orders")  # not there: fine
        self.assertEqual(
            self.refused(404, lambda c: c.exchange_declare("orders", passive=True)),
            "NOT_FOUND - no exchange 'orders' in vhost '/'",
        )
        self.assertEqual(
            self.refused(403, lambda c: c.exchange_delete("amq.topic")),
            "ACCESS_REFUSED - deletion of system exchange 'amq.topic' in vhost '/' not allowed",
        )
        self.assertEqual(
            self.refused(404, lambda c: c.queue_purge("missing")),
            "NOT_FOUND - no queue 'missing' in vhost '/'",
        )

    def test_an_exclusive_queue_is_its_connections_alone_and_goes_with_it(self):
        mine = pika.BlockingConnection(
            pika.ConnectionParameters(host="127.0.0.1", port=self.server.amqp_port)
        )
        name = mine.channel().queue_declare("", exclusive=True).method.queue
        self.assertTrue(name.startswith("amq.gen-"), name)
        locked = (
            f"RESOURCE_LOCKED - cannot obtain exclusive access to locked queue '{name}' in vhost '/'. "
            "It could be originally declared on another connection or the exclusive property value "
            "does not match that of the original declaration."
        )
        self.assertEqual(self.refused(405, lambda c: c.queue_declare(name, passive=True)), locked)
        self.assertEqual(
            self.refused(405, lambda c: c.basic_consume(name, lambda *a: None)), locked
        )
        mine.close()
        self.assertEqual(
            self.refused(404, lambda c: c.queue_declare(name, passive=True)),
            f"NOT_FOUND - no queue '{name}' in vhost '/'",
        )

    def test_an_auto_delete_queue_goes_with_its_last_consumer(self):
        channel = self.connection.channel()
        channel.queue_declare("temp", auto_delete=True)
        first = channel.basic_consume("temp", lambda *a: None)
        second = channel.basic_consume("temp", lambda *a: None)
        channel.basic_cancel(first)
        channel.queue_declare("temp", passive=True)  # one consumer left
        channel.basic_cancel(second)
        self.assertEqual(
            self.refused(404, lambda c: c.queue_declare("temp", passive=True)),
            "NOT_FOUND - no queue 'temp' in vhost '/'",
        )

    def test_the_recording_replays_what_the_clients_declared(self):
        channel = self.connection.channel()
        channel.exchange_declare("orders", "topic")
        channel.queue_declare("billing", arguments={"x-message-ttl": 30000})
        channel.queue_bind("billing", "orders", routing_key="eu.#")
        expected = ["rabbit_exchange_declare", "rabbit_queue_declare", "rabbit_bind"]
        recording = recorded(self.recording, lambda r: done(r) == expected)
        self.assertEqual(done(recording), expected)
        self.assertEqual(recording["timeline"][1]["queue"]["arguments"], {"x-message-ttl": 30000})
        times = [entry["at_ms"] for entry in recording["timeline"]]
        self.assertEqual(times, sorted(times))
        # The recording is a scenario: the replay has the queue.
        replay = subprocess.run([MQSIM, "run", str(self.recording)], capture_output=True, text=True)
        self.assertEqual(replay.returncode, 0, replay.stderr)
        self.assertRegex(replay.stdout, r"billing\s+classic")
