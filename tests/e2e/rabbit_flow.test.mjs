// The RabbitMQ picture as a user meets it: picking the RabbitMQ preset
// draws publishers, exchanges, bindings, queues and consumers; messages
// travel publisher → exchange → queue → consumer and acks come back; poison
// orders go to the dead-letter exchange and end up parked; and the counts on
// screen are the ones the native engine computes for the same link.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, screenshot, mqsimRun, clockMs, watchTokens } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
  await pickPreset(app.page, 'rabbit-retry-dead-letter');
  await app.page.waitForSelector('[data-testid="rabbit-view"]');
});
after(async () => {
  await app?.close();
});

const queues = (page) =>
  page.$$eval('[data-testid="queue-row"]', (rows) =>
    rows.map((r) => ({ name: r.dataset.name, ready: Number(r.dataset.ready), unacked: Number(r.dataset.unacked) })),
  );

test('the RabbitMQ preset draws its topology, and only that', async () => {
  const { page } = app;
  assert.equal(await page.$('[data-testid="kafka-view"]'), null, 'no Kafka part, no Kafka picture');
  const exchanges = await page.$$eval('[data-testid="exchange"]', (gs) => gs.map((g) => g.dataset.name));
  assert.deepEqual(exchanges, ['orders', 'dlx', 'retry-x', 'emails-x']);
  const rows = await queues(page);
  assert.deepEqual(rows.map((q) => q.name), ['payments', 'emails', 'email-retry', 'parking']);
  const keys = await page.$$eval('.binding-key', (ts) => ts.map((t) => t.textContent));
  assert.deepEqual(keys.sort(), ['order.#', 'order.*'], 'bindings are labelled with their keys');
  const deadLetter = await page.$$eval('.exchange.dead-letter', (gs) => gs.map((g) => g.dataset.name));
  assert.ok(deadLetter.includes('dlx'), 'the dead-letter exchange is drawn apart');
});

test('messages travel publisher → exchange → queue → consumer, and acks come back', async () => {
  const { page } = app;
  await page.selectOption('[data-testid="speed"]', '4');
  const paths = new Set();
  let moved = 0;
  for (let round = 0; round < 8; round++) {
    const seen = await watchTokens(page, 40);
    for (const { title, xs } of Object.values(seen)) {
      paths.add(title.split(' · ').at(-1));
      if (new Set(xs).size > 1) moved++;
    }
  }
  for (const path of [
    'published to exchange orders',
    'routed by exchange orders to queue payments',
    'routed by exchange orders to queue emails',
    'pushed from queue payments to consumer payment-service',
    'pushed from queue emails to consumer mailer',
    'ack: the broker forgets the message',
  ]) {
    assert.ok(paths.has(path), `${path} in ${[...paths].join(' | ')}`);
  }
  assert.ok(moved > 10, `tokens move from frame to frame (${moved} did)`);
  assert.deepEqual(app.problems, []);
});

test('poison orders are dead-lettered and parked; the counts match mqsim run', async () => {
  const { page } = app;
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="queue-row"][data-name="parking"]')?.dataset.ready) >= 2,
    null, { timeout: 30_000 });
  await page.click('[data-testid="play-pause"]');
  await screenshot(page, 'rabbit-flow');
  const shown = await queues(page);
  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s=2.'));
  const at = await clockMs(page);
  const native = mqsimRun(page.url());
  assert.equal(native.kafka.at_ms ?? at, at);
  const expected = native.rabbit.queues.map((q) => ({
    name: q.name,
    ready: q.messages_ready,
    unacked: q.messages_unacknowledged,
  }));
  assert.deepEqual(shown, expected, `the page and the native engine agree at ${at} ms`);
  const parked = await page.$$eval('[data-testid="queue"][data-name="parking"] .ready-message text', (ts) =>
    ts.map((t) => t.textContent),
  );
  assert.ok(parked.length >= 2 && parked.every((l) => l === 'OP'), `only poison orders (order.poison: OP) are parked: ${parked}`);
});
