// A group on the consumer protocol (KIP-848), opened as a scenario file:
// the members get their partitions through heartbeats, a member that joins
// later takes one partition while the others keep theirs and keep
// reading, and the event log speaks of heartbeats and member epochs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, openScenario, screenshot, scrubTo, pause } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

const SCENARIO = {
  version: 1,
  name: 'Consumer protocol',
  seed: 5,
  duration_ms: 40000,
  network: { latency_ms: 10 },
  kafka: {
    group_initial_rebalance_delay_ms: 0,
    topics: [{ name: 't', partitions: 4 }],
    producers: [{ name: 'p', topic: 't', rate_per_sec: 20 }],
    groups: [{ name: 'g', topics: ['t'], protocol: 'consumer', members: [{ name: 'a' }, { name: 'b' }] }],
  },
  timeline: [{ at_ms: 20000, do: 'consumer_join', group: 'g', member: { name: 'c' } }],
};

/** What each member says it owns, from its card. */
const owned = (page) =>
  page.$$eval('[data-testid="consumer"]', (cards) =>
    Object.fromEntries(
      cards.map((c) => [
        c.dataset.name,
        [...c.querySelectorAll('text.detail')].map((t) => t.textContent).find((t) => t.startsWith('owns')) ?? '',
      ]),
    ),
  );

test('a consumer-protocol group assigns through heartbeats and moves one partition when a member joins', async () => {
  const { page } = app;
  await openScenario(page, SCENARIO, 'consumer-protocol.json');
  await pause(page);
  await scrubTo(page, 15000);
  const before = await owned(page);
  assert.match(before.a, /P0, P1/, JSON.stringify(before));
  assert.match(before.b, /P2, P3/, JSON.stringify(before));
  // c joined at 20 s; b gave P3 up at once, but c only takes it on its
  // own next heartbeat: until then it waits, drawn as a faint link.
  await scrubTo(page, 22000);
  const waiting = await owned(page);
  assert.match(waiting.c, /owns nothing · awaits P3/, JSON.stringify(waiting));
  assert.match(waiting.b, /^owns P2$/, JSON.stringify(waiting));
  assert.equal(await page.locator('line.assignment.awaiting').count(), 1);
  const c = page.locator('[data-testid="consumer"][data-name="c"]');
  assert.equal(await c.locator('.member-epoch').textContent(), 'epoch 3');
  assert.match(await c.locator('.hit').getAttribute('aria-label'), /member epoch 3, owns nothing, waiting for P3 to be released/);
  await screenshot(page, 'consumer-protocol-waiting');
  await scrubTo(page, 30000);
  const after = await owned(page);
  assert.match(after.a, /P0, P1/, 'a keeps what it had');
  assert.match(after.c, /P3/, JSON.stringify(after));
  // Just after c's heartbeat brought it its partition, the log says so.
  await scrubTo(page, 25100);
  const log = await page.textContent('[data-testid="event-log"]');
  assert.match(log, /gives c member epoch 3 and t-3/);
  await scrubTo(page, 30000);
  // The group is titled by its group epoch, not a generation.
  assert.match(await page.textContent('[data-testid="kafka-view"] .group-title'), /^g · epoch 3$/);
  await screenshot(page, 'consumer-protocol');
  assert.deepEqual(app.problems, []);
});
