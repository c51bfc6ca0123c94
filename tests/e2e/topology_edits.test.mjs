// Changing the topology while messages move, and inspecting a message in
// mid-flight. A twin of a RabbitMQ queue, declared and bound by one click,
// gets its share of the orders; deleting it cancels its consumer and no
// token is left travelling to either. A second Kafka consumer group reads
// the same topic as the first, each member with partitions of its own. A
// token clicked on its way opens the inspector on the record it carries.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, screenshot, mqsimRun, scrubTo, pause, fact, act } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

test('a queue added beside payments is fed, then deleted with nothing left flying to it', async () => {
  const { page } = app;
  await pickPreset(page, 'rabbit-retry-dead-letter');
  await pause(page);
  await scrubTo(page, 4_000);
  await page.click('[data-testid="queue"][data-name="payments"]');
  await act(page, 'Add a queue bound like this one');
  await scrubTo(page, 10_000);
  const twin = '[data-testid="queue"][data-name="payments-2"]';
  assert.ok(await page.$(twin), 'payments-2 is drawn');
  const consumer = '[data-testid="rabbit-consumer"][data-name="payment-service-2"]';
  assert.ok(Number(await page.getAttribute(consumer, 'data-acked')) > 0, 'its consumer acks orders');
  await screenshot(page, 'topology-twin-queue');

  await page.click(twin);
  await act(page, 'Delete queue');
  assert.match(await fact(page, 'Deleted'), /bindings went with it/);
  await scrubTo(page, 10_300);
  assert.equal(await page.getAttribute(consumer, 'data-status'), 'cancelled');
  const titles = await page.$$eval('[data-testid="token"] title', (ts) => ts.map((t) => t.textContent));
  assert.ok(titles.length > 0, 'tokens still move elsewhere');
  assert.deepEqual(titles.filter((t) => /payments-2|payment-service-2/.test(t)), [], 'nothing flies to what is gone');
  await screenshot(page, 'topology-deleted-queue');

  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s=2.'));
  const native = mqsimRun(page.url());
  const consumers = native.rabbit.consumers.map((c) => c.name);
  assert.ok(consumers.includes('payment-service-2'), 'the link carries the twin and its consumer');
  assert.ok(!native.rabbit.queues.some((q) => q.name === 'payments-2'), 'and its deletion: list_queues has no payments-2');
  assert.deepEqual(app.problems, []);
});

test('a second consumer group reads the same topic with partitions of its own', async () => {
  const { page } = app;
  await pickPreset(page, 'order-notifications');
  await pause(page);
  await scrubTo(page, 6_000);
  await page.click('[data-testid="consumer"][data-name="notifier-1"]');
  await act(page, 'Start a second group');
  await scrubTo(page, 15_000);
  const groups = await page.$$eval('[data-testid="group"]', (gs) => gs.map((g) => g.dataset.name));
  assert.deepEqual(groups, ['notifications', 'notifications-2']);
  for (const member of ['notifier-3', 'notifier-4']) {
    await page.click(`[data-testid="consumer"][data-name="${member}"]`);
    assert.match(await fact(page, 'Owns'), /orders-\d/, `${member} owns a partition`);
  }
  await screenshot(page, 'topology-second-group');
  assert.deepEqual(app.problems, []);
});

test('a record clicked in flight opens in the inspector', async () => {
  const { page } = app;
  await pickPreset(page, 'order-notifications');
  await pause(page);
  let token = null;
  for (let at = 2_000; at < 6_000 && !token; at += 50) {
    await scrubTo(page, at);
    token = await page.$('[data-testid="token"][data-record]');
  }
  assert.ok(token, 'a record is on its way');
  const record = await token.getAttribute('data-record');
  await token.dispatchEvent('click');
  assert.match(await page.textContent('[data-testid="inspector-title"]'), /^Record /);
  assert.ok((await page.textContent('[data-testid="inspector-path"]')).length > 0, 'its path so far');
  await screenshot(page, 'inspect-token-in-flight');
  assert.ok(record);
  assert.deepEqual(app.problems, []);
});
