"""One member of a consumer group, for the end-to-end test
`live_page.test.mjs`, which starts two of them against `mqsim serve` and
looks at the group in the page.

Usage: group_member.py BOOTSTRAP TOPIC GROUP CLIENT_ID CLIENT

CLIENT is `kafka-python` (the classic protocol: JoinGroup, its leader's
range assignor) or `librdkafka` (confluent-kafka with
`group.protocol=consumer`: KIP-848, the coordinator assigns). The member
reads from the earliest offset and commits after each record. Each time
its assignment changes it prints one JSON line, `{"assigned": [0, 1]}`;
it stops, closing the consumer (it leaves the group), when its standard
input closes."""

import json
import logging
import sys
import threading


def kafka_python(bootstrap, topic, group, client_id):
    from kafka import KafkaConsumer

    # A session of 10 s (the default is 45 s): a member whose process is
    # killed is dropped that long after.
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, client_id=client_id,
                             auto_offset_reset="earliest", enable_auto_commit=False, session_timeout_ms=10_000)

    def poll():
        for records in consumer.poll(timeout_ms=100).values():
            if records:
                consumer.commit()

    return poll, lambda: {tp.partition for tp in consumer.assignment()}, consumer.close


def librdkafka(bootstrap, topic, group, client_id):
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "client.id": client_id,
                         "group.protocol": "consumer", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([topic])

    def poll():
        message = consumer.poll(0.1)
        if message is not None and not message.error():
            consumer.commit(message, asynchronous=False)

    return poll, lambda: {tp.partition for tp in consumer.assignment()}, consumer.close


def main(bootstrap, topic, group, client_id, client):
    # The client's own warnings on standard error, for a failing test to show.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    poll, assignment, close = {"kafka-python": kafka_python, "librdkafka": librdkafka}[client](
        bootstrap, topic, group, client_id)
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    said = None
    while not done.is_set():
        poll()
        owned = sorted(assignment())
        if owned != said:
            print(json.dumps({"assigned": owned}), flush=True)
            said = owned
    close()


if __name__ == "__main__":
    main(*sys.argv[1:])
