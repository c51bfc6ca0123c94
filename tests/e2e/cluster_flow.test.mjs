// The Kafka cluster as a user watches it in the leader-failover preset:
// broker cards hold replicas (the leader's chip filled), followers pull
// from leaders, and when broker 1 dies ZooKeeper's session for it expires,
// the controller elects new leaders from the ISR, and the high watermark
// moves on. Checked against what `mqsim run` computes for the same moment.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, screenshot, mqsimRun, clockMs, watchTokens, leaders } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
  await pickPreset(app.page, 'leader-failover');
  await app.page.waitForSelector('[data-testid="cluster-view"]');
});
after(async () => {
  await app?.close();
});

test('brokers hold three replicas of each partition, one of them leading', async () => {
  const { page } = app;
  const cards = await page.$$eval('[data-testid="broker"]', (cs) => cs.map((c) => c.querySelectorAll('[data-testid="replica"]').length));
  assert.deepEqual(cards, [3, 3, 3], 'replication factor 3 on 3 brokers');
  const led = await leaders(page);
  assert.deepEqual(Object.keys(led).sort(), ['orders·P0', 'orders·P1', 'orders·P2']);
  assert.equal(led['orders·P0'], 1, 'broker 1 leads partition 0, as the preset says');
  const seen = await watchTokens(page, 60);
  const titles = Object.values(seen).map((t) => t.title);
  assert.ok(titles.some((t) => /fetches from its leader/.test(t)), 'followers pull from their leader');
  assert.ok(titles.some((t) => /heartbeats to ZooKeeper/.test(t)) || titles.some((t) => /copied from/.test(t)),
    'heartbeats or replicated records fly');
});

test('killing the leader makes the controller elect another from the ISR', async () => {
  const { page } = app;
  await page.selectOption('[data-testid="speed"]', '10');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="zookeeper"]').dataset.elections) > 0,
    null, { timeout: 30_000 });
  await page.click('[data-testid="play-pause"]');
  const dead = await page.getAttribute('[data-testid="broker"][data-broker="1"]', 'data-status');
  assert.equal(dead, '✕ dead');
  const led = await leaders(page);
  assert.notEqual(led['orders·P0'], 1, 'partition 0 has a new leader');
  assert.ok(led['orders·P0'] !== undefined, 'and is not offline: the ISR had another replica');
  await screenshot(page, 'cluster-failover');

  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s=2.'));
  const at = await clockMs(page);
  const native = mqsimRun(page.url());
  assert.equal(native.kafka.at_ms, at);
  const p0 = native.kafka.topics[0].partitions[0];
  assert.equal(led['orders·P0'], p0.leader, 'the page shows the leader mqsim computes');
  const hw = await page.getAttribute('[data-testid="partition"][data-partition="0"] .high-watermark', 'data-high-watermark');
  assert.equal(Number(hw), p0.high_watermark, 'and its high watermark');
  assert.deepEqual(app.problems, []);
});
