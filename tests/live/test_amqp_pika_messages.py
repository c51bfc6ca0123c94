"""pika publishes and consumes through `mqsim serve`: publisher confirms,
mandatory returns, transactions, consumers with prefetch, `basic.get`,
`basic.recover`, ack, nack with and without requeue, dead-lettering
(rejected, a quorum queue's delivery limit, TTL expiry), channel errors
with RabbitMQ's codes, and a closed channel's deliveries requeued. The
recording replays to the same queue depths."""

import subprocess
import tempfile
import time
import unittest
from pathlib import Path

import pika
import pika.exceptions

from server import MQSIM, Serve, done, recorded


class PikaMessages(unittest.TestCase):
    def setUp(self):
        self.recording = Path(tempfile.mkdtemp()) / "live.json"
        self.server = Serve("--record", str(self.recording))
        self.addCleanup(self.server.stop)
        self.connection = pika.BlockingConnection(
            pika.ConnectionParameters(
                host="127.0.0.1",
                port=self.server.amqp_port,
                client_properties={"connection_name": "shop"},
            )
        )
        self.addCleanup(lambda: self.connection.is_open and self.connection.close())
        self.channel = self.connection.channel()

    def receive(self, channel, queue, count, timeout=3.0):
        """The next `count` deliveries from `queue`, unacknowledged."""
        got = []
        for method, properties, body in channel.consume(queue, inactivity_timeout=timeout):
            if method is None:
                break
            got.append((method, properties, body))
            if len(got) == count:
                break
        return got

    def quiet(self, channel, queue, wait=0.6):
        """Whether nothing more arrives from `queue` for `wait` seconds."""
        for method, _, _ in channel.consume(queue, inactivity_timeout=wait):
            return method is None
        return True

    def test_confirmed_messages_arrive_with_their_body_and_properties(self):
        ch = self.channel
        ch.exchange_declare("orders", "topic")
        ch.queue_declare("eu")
        ch.queue_declare("all")
        ch.queue_bind("eu", "orders", "eu.*")
        ch.queue_bind("all", "orders", "#")
        ch.confirm_delivery()
        sent = pika.BasicProperties(
            content_type="application/json",
            correlation_id="c-1",
            headers={"attempt": 1},
            delivery_mode=2,
        )
        ch.basic_publish("orders", "eu.paid", b'{"id": 1}', sent)
        ch.basic_publish("orders", "us.paid", b'{"id": 2}')
        [(method, properties, body)] = self.receive(ch, "eu", 1)
        self.assertEqual(body, b'{"id": 1}')
        self.assertEqual(method.exchange, "orders")
        self.assertEqual(method.routing_key, "eu.paid")
        self.assertFalse(method.redelivered)
        self.assertEqual(properties.content_type, "application/json")
        self.assertEqual(properties.correlation_id, "c-1")
        self.assertEqual(properties.delivery_mode, 2)
        self.assertEqual(properties.headers, {"attempt": 1})
        ch.basic_ack(method.delivery_tag)
        ch.cancel()
        bodies = [body for _, _, body in self.receive(ch, "all", 2)]
        self.assertEqual(bodies, [b'{"id": 1}', b'{"id": 2}'])

    def test_a_mandatory_message_no_queue_takes_is_returned(self):
        ch = self.channel
        ch.exchange_declare("orders", "direct")
        ch.confirm_delivery()
        with self.assertRaises(pika.exceptions.UnroutableError) as returned:
            ch.basic_publish("orders", "nowhere", b"lost", mandatory=True)
        [message] = returned.exception.messages
        self.assertEqual(message.method.reply_code, 312)
        self.assertEqual(message.method.reply_text, "NO_ROUTE")
        self.assertEqual(message.method.routing_key, "nowhere")
        self.assertEqual(message.body, b"lost")
        # Not mandatory: dropped, and confirmed.
        ch.basic_publish("orders", "nowhere", b"dropped")

    def test_prefetch_holds_back_deliveries_until_acknowledged(self):
        ch = self.channel
        ch.queue_declare("work")
        ch.confirm_delivery()
        for n in range(5):
            ch.basic_publish("", "work", f"job {n}".encode())
        ch.basic_qos(prefetch_count=2)
        got = self.receive(ch, "work", 5, timeout=0.8)
        self.assertEqual([body for _, _, body in got], [b"job 0", b"job 1"], "two at a time")
        ch.basic_ack(got[1][0].delivery_tag, multiple=True)
        more = self.receive(ch, "work", 2)
        self.assertEqual([body for _, _, body in more], [b"job 2", b"job 3"])
        self.assertEqual([m.delivery_tag for m, _, _ in more], [3, 4], "tags count on per channel")

    def test_nack_requeues_or_dead_letters(self):
        ch = self.channel
        ch.exchange_declare("dlx", "fanout")
        ch.queue_declare("dead")
        ch.queue_bind("dead", "dlx")
        ch.queue_declare("work", arguments={"x-dead-letter-exchange": "dlx"})
        ch.confirm_delivery()
        ch.basic_publish("", "work", b"retry me")
        ch.basic_publish("", "work", b"give up")
        first, second = self.receive(ch, "work", 2)
        ch.basic_nack(first[0].delivery_tag, requeue=True)
        ch.basic_reject(second[0].delivery_tag, requeue=False)
        [(again, _, body)] = self.receive(ch, "work", 1)
        self.assertEqual(body, b"retry me")
        self.assertTrue(again.redelivered)
        ch.basic_ack(again.delivery_tag)
        ch.cancel()
        [(method, properties, body)] = self.receive(ch, "dead", 1)
        self.assertEqual(body, b"give up")
        self.assertEqual(method.exchange, "dlx")
        [death] = properties.headers["x-death"]
        self.assertEqual(death["reason"], "rejected")
        self.assertEqual(death["queue"], "work")
        self.assertEqual(death["count"], 1)
        self.assertEqual(properties.headers["x-first-death-reason"], "rejected")

    def test_a_quorum_queues_delivery_limit_dead_letters(self):
        ch = self.channel
        ch.exchange_declare("dlx", "fanout")
        ch.queue_declare("parked")
        ch.queue_bind("parked", "dlx")
        ch.queue_declare(
            "orders",
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": 1,
                "x-dead-letter-exchange": "dlx",
            },
        )
        ch.confirm_delivery()
        ch.basic_publish("", "orders", b"poison")
        for _ in range(2):
            [(method, _, _)] = self.receive(ch, "orders", 1)
            ch.basic_nack(method.delivery_tag, requeue=True)
        self.assertTrue(self.quiet(ch, "orders"), "past the limit it is not delivered again")
        ch.cancel()
        [(_, properties, body)] = self.receive(ch, "parked", 1)
        self.assertEqual(body, b"poison")
        self.assertEqual(properties.headers["x-death"][0]["reason"], "delivery_limit")

    def test_messages_expire_by_the_queues_ttl_or_their_own(self):
        ch = self.channel
        ch.exchange_declare("dlx", "fanout")
        ch.queue_declare("expired")
        ch.queue_bind("expired", "dlx")
        ch.queue_declare(
            "slow", arguments={"x-message-ttl": 300, "x-dead-letter-exchange": "dlx"}
        )
        ch.confirm_delivery()
        ch.basic_publish("", "slow", b"queue ttl")
        ch.basic_publish("", "slow", b"own ttl", pika.BasicProperties(expiration="100"))
        got = self.receive(ch, "expired", 2)
        reasons = [(body, p.headers["x-death"][0]["reason"]) for _, p, body in got]
        self.assertEqual(reasons, [(b"queue ttl", "expired"), (b"own ttl", "expired")])
        own = got[1][1]
        self.assertIsNone(own.expiration, "dead-lettered without its expiration")
        self.assertEqual(own.headers["x-death"][0]["original-expiration"], "100")

    def test_closing_a_channel_requeues_what_it_held(self):
        ch = self.channel
        ch.queue_declare("work")
        ch.confirm_delivery()
        ch.basic_publish("", "work", b"one")
        ch.basic_publish("", "work", b"two")
        self.assertEqual(len(self.receive(ch, "work", 2)), 2)
        ch.close()
        other = self.connection.channel()
        got = self.receive(other, "work", 2)
        self.assertEqual([body for _, _, body in got], [b"one", b"two"])
        self.assertTrue(all(method.redelivered for method, _, _ in got))

    def test_basic_get_takes_one_message_at_a_time(self):
        ch = self.channel
        ch.queue_declare("inbox")
        ch.confirm_delivery()
        ch.basic_publish("", "inbox", b"first")
        ch.basic_publish("", "inbox", b"second", pika.BasicProperties(message_id="m-2"))
        method, _, body = ch.basic_get("inbox")
        self.assertEqual((body, method.delivery_tag, method.message_count), (b"first", 1, 1))
        self.assertFalse(method.redelivered)
        ch.basic_ack(method.delivery_tag)
        method, properties, body = ch.basic_get("inbox", auto_ack=True)
        self.assertEqual((body, method.message_count), (b"second", 0))
        self.assertEqual(properties.message_id, "m-2")
        self.assertEqual(ch.basic_get("inbox"), (None, None, None), "get-empty")
        self.assertEqual(ch.queue_declare("inbox", passive=True).method.message_count, 0)

    def test_recover_redelivers_what_the_channel_holds(self):
        ch = self.channel
        ch.queue_declare("work")
        ch.confirm_delivery()
        ch.basic_publish("", "work", b"one")
        method, _, _ = ch.basic_get("work")
        ch.basic_recover(requeue=True)
        again, _, body = ch.basic_get("work")
        self.assertEqual(body, b"one")
        self.assertTrue(again.redelivered)
        self.assertNotEqual(again.delivery_tag, method.delivery_tag)
        with self.assertRaises(pika.exceptions.ConnectionClosedByBroker) as closed:
            ch.basic_recover(requeue=False)
        self.assertEqual(
            (closed.exception.reply_code, closed.exception.reply_text),
            (540, "NOT_IMPLEMENTED - requeue=false"),
        )

    def test_a_transaction_publishes_and_acknowledges_on_commit_only(self):
        ch = self.channel
        ch.queue_declare("work")
        ch.tx_select()
        ch.basic_publish("", "work", b"one")
        ch.basic_publish("", "work", b"two")
        self.assertEqual(ch.basic_get("work"), (None, None, None), "not before the commit")
        ch.tx_commit()
        method, _, body = ch.basic_get("work")
        self.assertEqual((body, method.message_count), (b"one", 1))
        ch.basic_ack(method.delivery_tag)
        ch.tx_rollback()
        # The ack was rolled back: the message is still held, and can be
        # acknowledged again.
        ch.basic_publish("", "work", b"dropped")
        ch.tx_rollback()
        ch.basic_ack(method.delivery_tag)
        ch.tx_commit()
        method, _, body = ch.basic_get("work", auto_ack=True)
        self.assertEqual((body, method.message_count), (b"two", 0), "dropped was never published")
        self.assertEqual(ch.basic_get("work"), (None, None, None))
        other = self.connection.channel()
        other.confirm_delivery()
        with self.assertRaises(pika.exceptions.ChannelClosedByBroker) as closed:
            other.tx_select()
        self.assertEqual(
            (closed.exception.reply_code, closed.exception.reply_text),
            (406, "PRECONDITION_FAILED - cannot switch from confirm to tx mode"),
        )

    def test_channel_errors_carry_rabbitmqs_codes(self):
        def refused(action):
            channel = self.connection.channel()
            channel.confirm_delivery()
            with self.assertRaises(pika.exceptions.ChannelClosedByBroker) as closed:
                action(channel)
            return closed.exception.reply_code, closed.exception.reply_text

        self.channel.queue_declare("work")
        self.assertEqual(
            refused(lambda c: c.basic_publish("nope", "k", b"x")),
            (404, "NOT_FOUND - no exchange 'nope' in vhost '/'"),
        )
        self.assertEqual(
            refused(lambda c: c.basic_consume("missing", lambda *a: None)),
            (404, "NOT_FOUND - no queue 'missing' in vhost '/'"),
        )

        def ack_unknown(channel):
            channel.basic_ack(99)
            channel.queue_declare("work", passive=True)

        self.assertEqual(
            refused(ack_unknown), (406, "PRECONDITION_FAILED - unknown delivery tag 99")
        )
        self.assertEqual(
            refused(
                lambda c: c.basic_publish(
                    "", "work", b"x", pika.BasicProperties(user_id="mallory")
                )
            ),
            (
                406,
                "PRECONDITION_FAILED - user_id property set to 'mallory' but authenticated user was 'guest'",
            ),
        )
        # The connection carries on.
        self.channel.basic_publish("", "work", b"still here")

    def test_the_recording_replays_to_the_same_queue_depths(self):
        ch = self.channel
        ch.queue_declare("work")
        ch.queue_declare("audit")
        ch.confirm_delivery()
        for n in range(6):
            ch.basic_publish("", "work", f"job {n}".encode())
            ch.basic_publish("", "audit", f"log {n}".encode())
        got = self.receive(ch, "work", 4)
        for method, _, _ in got[:3]:
            ch.basic_ack(method.delivery_tag)
        time.sleep(0.5)
        live = {
            name: ch.queue_declare(name, passive=True).method.message_count
            for name in ("work", "audit")
        }
        # No prefetch limit: all six went to the consumer, three acknowledged.
        self.assertEqual(live, {"work": 0, "audit": 6})
        recording = recorded(self.recording, lambda r: done(r).count("rabbit_ack") == 3)
        self.assertEqual(done(recording).count("rabbit_publish"), 12)
        self.assertEqual(done(recording).count("rabbit_ack"), 3)
        consumer = recording["timeline"][done(recording).index("rabbit_consumer_add")]["consumer"]
        self.assertTrue(consumer["name"].startswith("shop-1/1 "), consumer["name"])
        replay = subprocess.run([MQSIM, "run", str(self.recording)], capture_output=True, text=True)
        self.assertEqual(replay.returncode, 0, replay.stderr)
        # Ready and unacknowledged as live: work 3 held by its consumer.
        self.assertRegex(replay.stdout, r"work\s+classic\s+0\s+3\s+1")
        self.assertRegex(replay.stdout, r"audit\s+classic\s+6\s+0\s+0")


if __name__ == "__main__":
    unittest.main()
