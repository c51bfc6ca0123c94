// The share-group preset as a class meets it (KIP-932): five share
// consumers on two partitions all work while a consumer group of five
// leaves three idle; each record's state is drawn in the share group's
// window with its delivery count; the poison record is delivered again and
// again until the delivery count limit archives it; the inspector tells a
// record's deliveries and offers a member's release and reject.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, screenshot, scrubTo, pause, fact, act } from './harness.mjs';

let app;
before(async () => {
  app = await openApp({ width: 1280, height: 900 });
});
after(async () => {
  await app?.close();
});

/** Each card's processed count, by member name. */
const processed = (page) =>
  page.$$eval('[data-testid="consumer"]', (cards) =>
    Object.fromEntries(cards.map((c) => [c.dataset.name, Number(c.dataset.processed)])),
  );

test('five share consumers all work where a consumer group of five idles three', async () => {
  const { page } = app;
  await pickPreset(page, 'share-group');
  await pause(page);
  await scrubTo(page, 20_000);
  const by = await processed(page);
  for (const w of ['w1', 'w2', 'w3', 'w4', 'w5']) assert.ok(by[w] > 0, `${w} works: ${JSON.stringify(by)}`);
  const idle = ['r1', 'r2', 'r3', 'r4', 'r5'].filter((r) => by[r] === 0);
  assert.equal(idle.length, 3, `three resizers idle: ${JSON.stringify(by)}`);
  assert.match(await page.textContent('.group.share .group-title'), /^workers · share group$/);

  // The share window: a start offset under each partition, and cells in
  // their states, some held by a member (a ring in its colour).
  assert.equal(await page.locator('.share-window').count(), 2);
  const states = await page.$$eval('[data-share]', (cells) => cells.map((c) => c.dataset.share));
  assert.ok(states.includes('done'), `done cells: ${states}`);
  assert.ok(states.some((s) => s === 'acquired' || s === 'available'), `in-flight cells: ${states}`);
  await screenshot(page, 'share-group');
  assert.deepEqual(app.problems, []);
});

test('the poison record is redelivered until the limit archives it, and the inspector says so', async () => {
  const { page } = app;
  await pickPreset(page, 'share-group');
  await pause(page);
  // Delivered again and again: a cell with a delivery count.
  await scrubTo(page, 16_500);
  const counts = await page.$$eval('[data-share][data-deliveries]', (cells) =>
    cells.map((c) => Number(c.dataset.deliveries)),
  );
  assert.ok(counts.some((n) => n >= 2), `a record delivered again: ${counts}`);
  await scrubTo(page, 22_000);
  const archived = await page.locator('[data-share="archived"]').count();
  assert.equal(archived, 1, 'the poison record is archived');
  const windows = await page.$$eval('.share-window', (ws) => ws.map((w) => Number(w.dataset.archived)));
  assert.deepEqual(windows.sort(), [0, 1]);
  // Its story: five deliveries, then archived.
  await page.locator('[data-share="archived"]').first().click({ force: true });
  assert.match(await fact(page, 'Deliveries'), /^5: /);
  assert.match(await fact(page, 'Status'), /archived/);
  const path = await page.textContent('[data-testid="inspector"]');
  assert.match(path, /releases it, to be delivered again/);
  assert.match(path, /no dead-letter queue/);
  await screenshot(page, 'share-group-archived');
  assert.deepEqual(app.problems, []);
});

test('a share consumer crashed from the inspector has its records released to the others', async () => {
  const { page } = app;
  await pickPreset(page, 'share-group');
  await pause(page);
  await scrubTo(page, 20_500);
  // A worker that holds records now, as its inspector says.
  let holder;
  for (const w of ['w1', 'w2', 'w3', 'w4', 'w5']) {
    await page.click(`[data-testid="consumer"][data-name="${w}"]`);
    if ((await fact(page, 'Holds')) !== 'none') {
      holder = w;
      break;
    }
  }
  assert.ok(holder, 'some worker holds records');
  assert.match(await page.textContent('[data-testid="inspector"]'), /member of share group workers \(KIP-932\)/);
  await act(page, 'Crash');
  await scrubTo(page, 21_000);
  const log = await page.textContent('[data-testid="event-log"]');
  assert.match(log, new RegExp(`${holder}'s share session closed: its jobs-\\d offsets? [\\d, -]+ (is|are) available again`));
  assert.match(log, new RegExp(`${holder} crashed: its connection drops`));
  assert.deepEqual(app.problems, []);
});
