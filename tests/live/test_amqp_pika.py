"""pika, the Python client most RabbitMQ tutorials use, against `mqsim serve`:
it negotiates a connection (credentials, tuning, heartbeats), opens and closes
channels, and hears RabbitMQ's reply codes when it is refused."""

import unittest

import pika
import pika.exceptions

from server import Serve


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
        self.assertIn("closed by the client", self.server.stop())

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
