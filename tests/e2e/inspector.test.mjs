// Reading a run closely: click a record in a partition's log and the
// inspector shows its key, partition, offset and the path it took; click a
// RabbitMQ message and it shows its routing key and deliveries; the event
// log tells the run in words, filtered by kind and by a search.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, screenshot, scrubTo, pause, fact } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

test('a clicked record shows its offset, key and path', async () => {
  const { page } = app;
  await pause(page);
  await scrubTo(page, 20_000);
  const cell = '[data-testid="partition"][data-partition="1"] [data-testid="record"]';
  const offset = await page.getAttribute(cell, 'data-offset');
  await page.click(cell);
  assert.match(await page.textContent('[data-testid="inspector-title"]'), /^Record checkout-\d+$/);
  assert.match(await fact(page, 'Stored at'), new RegExp(`^orders-1 offset ${offset} `));
  assert.match(await fact(page, 'Key'), /^[a-z]+$/);
  const path = await page.$$eval('[data-testid="inspector-path"] li', (li) => li.map((l) => l.textContent));
  assert.match(path[0], /checkout sent checkout-\d+ \(key \w+\) to orders-1 \(murmur2 of the key\)/);
  assert.ok(path.some((line) => new RegExp(`processed orders-1 offset ${offset}`).test(line)), path.join('\n'));
  await screenshot(page, 'inspector-record');

  // The keyboard reaches a record too.
  await page.click('[data-testid="inspector-close"]');
  await page.focus('[data-testid="partition"][data-partition="2"] [data-testid="record"] [role="button"]');
  await page.keyboard.press('Enter');
  assert.match(await fact(page, 'Stored at'), /^orders-2 offset \d+ /);
  await page.click(cell);

  // Rewinding to before it was processed takes that step off its path.
  await scrubTo(page, 1_000);
  const earlier = await page.$$eval('[data-testid="inspector-path"] li', (li) => li.length);
  assert.ok(earlier < path.length);
  assert.deepEqual(app.problems, []);
});

test('the event log tells the run in words, filtered', async () => {
  const { page } = app;
  await pickPreset(page, 'leader-failover');
  await pause(page);
  await scrubTo(page, 20_000);
  const lines = () => page.$$eval('[data-testid="log-line"]', (li) => li.map((l) => l.textContent));
  const all = await lines();
  assert.ok(all.length > 10);
  assert.ok(!all.some((l) => /heartbeats to ZooKeeper/.test(l)), 'routine chatter hidden');

  await page.fill('[data-testid="log-search"]', 'died');
  assert.deepEqual(await lines(), ['10.000sbroker 1 died']);
  await page.fill('[data-testid="log-search"]', '');

  for (const kind of ['producing', 'consuming', 'groups']) {
    await page.click(`[data-testid="log-kind"][data-kind="${kind}"]`);
  }
  const cluster = await lines();
  assert.ok(cluster.length > 0 && cluster.every((l) => /broker|ISR|high watermark|leader|ZooKeeper|controller|topic/.test(l)),
    cluster.join('\n'));
  await page.click('[data-testid="log-routine"]');
  assert.ok((await lines()).some((l) => /heartbeats to ZooKeeper|fetches from leader/.test(l)));
  await page.locator('[data-testid="event-log"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'event-log');
  assert.deepEqual(app.problems, []);
});

test('a clicked RabbitMQ message shows its routing key and deliveries', async () => {
  const { page } = app;
  await pickPreset(page, 'rabbit-retry-dead-letter');
  await pause(page);
  let at = 500;
  for (; at < 30_000; at += 100) {
    await scrubTo(page, at);
    if (await page.$('[data-testid="message"]')) break;
  }
  const message = await page.$('[data-testid="message"]');
  assert.ok(message, 'a message is drawn in a queue or a window');
  await message.click();
  assert.match(await page.textContent('[data-testid="inspector-title"]'), /^Message \d+$/);
  assert.match(await fact(page, 'Routing key'), /^order\./);
  assert.match(await fact(page, 'Publisher'), /^checkout$/);
  const path = await page.$$eval('[data-testid="inspector-path"] li', (li) => li.map((l) => l.textContent));
  assert.match(path[0], /checkout published with routing key order\.\w+ to exchange orders/);
  assert.ok(path.some((l) => /exchange orders routed it to queue/.test(l)), path.join('\n'));
  await screenshot(page, 'inspector-message');
  assert.deepEqual(app.problems, []);
});
