"""Prints the broker id that coordinates a consumer group, as librdkafka's
admin client finds it (FindCoordinator, then DescribeGroups): for the
end-to-end test that kills a group's coordinator in the page.

Usage: coordinator_of.py BOOTSTRAP GROUP"""

import sys

from confluent_kafka.admin import AdminClient


def main(bootstrap, group):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    described = admin.describe_consumer_groups([group], request_timeout=10)[group].result()
    print(described.coordinator.id)


if __name__ == "__main__":
    main(*sys.argv[1:])
