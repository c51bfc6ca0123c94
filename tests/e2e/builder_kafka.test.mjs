// The builder's Kafka side, used as a user would from a blank page: three
// brokers, a topic of three partitions replicated three times, a keyed
// producer and a group of two. Records flow, each member owns partitions,
// and killing a partition's leader elects another.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, screenshot, scrubTo, pause, clockMs, fact, act, leaders, offsets, add, set, select, field } from './harness.mjs';

let app;
before(async () => {
  app = await openApp({ query: '?new=kafka', ready: '[data-testid="builder"]' });
});
after(async () => {
  await app?.close();
});

test('three brokers, a replicated topic, a keyed producer and a group of two, built from nothing', async () => {
  const { page } = app;
  await pause(page);
  await add(page, 'Kafka', 'Add broker');
  await add(page, 'Kafka', 'Add broker');
  assert.equal(await field(page, 'brokers').inputValue(), '3');
  await add(page, 'Kafka', 'Add topic');
  await set(page, 'name', 'orders');
  await set(page, 'partitions', '3');
  await set(page, 'replication.factor', '3');
  await add(page, 'Kafka', 'Add producer');
  assert.equal(await field(page, 'topic').inputValue(), 'orders');
  await set(page, 'name', 'checkout');
  await set(page, 'keys', 'alice, bob, carol, dave');
  await set(page, 'records per second', '5');
  await add(page, 'Kafka', 'Add consumer group');
  await set(page, 'group.id', 'billing');
  await add(page, 'Kafka', 'Add consumer');
  const members = await page.$$eval('[data-testid="consumer"]', (cs) => cs.map((c) => c.dataset.name));
  // Members keep the names they were given: renaming a group leaves them.
  assert.deepEqual(members, ['group-1', 'billing-1']);

  await scrubTo(page, 12_000);
  const rows = await offsets(page);
  assert.equal(rows.length, 3, 'three partitions in the offsets table');
  assert.ok(rows.every((r) => r.logEnd > 0), `records reach every partition: ${JSON.stringify(rows)}`);
  for (const member of members) {
    await page.click(`[data-testid="consumer"][data-name="${member}"]`);
    assert.match(await fact(page, 'Owns'), /orders-\d/, `${member} owns a partition`);
  }
  await screenshot(page, 'builder-kafka-built');

  // Made in the page, the cluster keeps its metadata in KRaft, as Kafka 4
  // does: the controller quorum is drawn, not ZooKeeper.
  assert.equal(await page.getAttribute('[data-testid="quorum"]', 'data-active'), '100');
  assert.equal(await page.locator('[data-testid="zookeeper"]').count(), 0);
  // Kill the leader of orders-0: once the active controller fences it
  // (broker.session.timeout.ms), another in-sync replica leads it.
  const before = await leaders(page);
  const killed = before['orders·P0'];
  await page.click(`[data-testid="broker"][data-broker="${killed}"]`);
  await act(page, 'Kill');
  await scrubTo(page, (await clockMs(page)) + 25_000);
  const after = await leaders(page);
  assert.notEqual(after['orders·P0'], undefined, 'orders-0 has a leader');
  assert.notEqual(after['orders·P0'], killed, `a new leader for orders-0 (was broker ${killed})`);
  await screenshot(page, 'builder-kafka-failover');
  assert.deepEqual(app.problems, []);
});
