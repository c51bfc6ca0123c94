"""Produces with librdkafka (confluent-kafka) while someone else kills a
broker: the end-to-end test `live_page.test.mjs` runs this against
`mqsim serve` and kills the leader by a click in the page.

Usage: produce_across_a_kill.py BOOTSTRAP TOPIC SECONDS

Creates TOPIC (3 partitions, replication factor 3), says `ready` on a line
of its own, then sends a keyed record every 20 ms for SECONDS with acks=all
and idempotence, waits for every acknowledgement and reads the topic back
by assignment. Prints one JSON line: how many were sent and acknowledged,
the failures, and the acknowledged records not read back (none, if no
acknowledged record was lost)."""

import json
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic


def main(bootstrap, topic, seconds):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, 3, 3)])[topic].result(10)
    print("ready", flush=True)

    acked, failed = [], []

    def on_delivery(err, message):
        if err is None:
            acked.append((message.partition(), message.offset(), message.value().decode()))
        else:
            failed.append(str(err))

    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True,
                         "message.timeout.ms": 20000, "linger.ms": 0})
    start, sent = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        producer.produce(topic, key=f"customer-{sent % 7}", value=f"payment {sent}", on_delivery=on_delivery)
        producer.poll(0)
        sent += 1
        time.sleep(0.02)
    unsent = producer.flush(30)

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "audit", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, p, 0) for p in range(3)])
    read, quiet = {}, time.monotonic()
    while time.monotonic() - quiet < 2:
        message = consumer.poll(0.2)
        if message is not None and not message.error():
            read[(message.partition(), message.offset())] = message.value().decode()
            quiet = time.monotonic()
    consumer.close()
    lost = [list(a) for a in acked if read.get((a[0], a[1])) != a[2]]
    print(json.dumps({"sent": sent, "acked": len(acked), "unsent": unsent, "failed": failed,
                      "read": len(read), "lost": lost}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
