// Time control as a user drives it: the scrubber rewinds to an earlier
// moment and replays forward to exactly the state seen before; a step
// pauses and runs to the next event; the slowest and fastest speeds exist.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, offsets, clockMs, mqsimRun, screenshot, scrubTo } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

test('rewinding and replaying gives the same state, as mqsim computes it', async () => {
  const { page } = app;
  await page.selectOption('[data-testid="speed"]', '25');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="clock"]').dataset.clockMs) > 21_000);
  await page.click('[data-testid="play-pause"]');
  await scrubTo(page, 20_000);
  assert.equal(await clockMs(page), 20_000);
  const before = await offsets(page);

  await scrubTo(page, 5_000);
  assert.equal(await clockMs(page), 5_000);
  const earlier = await offsets(page);
  const sum = (rows) => rows.reduce((n, r) => n + r.logEnd, 0);
  assert.ok(sum(earlier) < sum(before), 'back in time, the logs are shorter');
  await screenshot(page, 'rewound');

  await scrubTo(page, 20_000);
  assert.deepEqual(await offsets(page), before, 'replayed forward: the same offsets');

  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s=2.'));
  const native = mqsimRun(page.url());
  assert.equal(native.kafka.at_ms, 20_000);
  assert.deepEqual(
    before,
    native.kafka.groups[0].partitions.map((p) => ({
      partition: p.partition,
      logEnd: p.log_end_offset,
      committed: p.committed_offset ?? null,
    })),
  );
});

test('a step pauses and moves to the next event', async () => {
  const { page } = app;
  await page.click('[data-testid="play-pause"]');
  await page.click('[data-testid="step"]');
  assert.equal(await page.getAttribute('[data-testid="play-pause"]', 'aria-pressed'), 'true', 'paused');
  const first = await clockMs(page);
  await page.click('[data-testid="step"]');
  const second = await clockMs(page);
  assert.ok(second > first && second - first < 2_000, `${first} → ${second}`);
});

test('speeds run from 1/100 to 100 times real time', async () => {
  const { page } = app;
  const speeds = await page.$$eval('[data-testid="speed"] option', (os) => os.map((o) => o.textContent));
  assert.equal(speeds[0], '×1/100');
  assert.equal(speeds.at(-1), '×100');
  assert.deepEqual(app.problems, []);
});
