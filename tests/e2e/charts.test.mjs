// Charts over time: when a consumer crashes its group's lag climbs until
// the rebalance; the chart's "now" value is the lag the table shows; a
// rewind redraws the lines as they were.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, screenshot, offsets, scrubTo } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

const lagChart = '[data-testid="chart"][data-title="Consumer lag (records)"]';

test('the lag chart climbs after a crash and agrees with the table', async () => {
  const { page } = app;
  await pickPreset(page, 'consumer-crash');
  await page.click('[data-testid="play-pause"]');
  await scrubTo(page, 40_000);
  const titles = await page.$$eval('[data-testid="chart"]', (cs) => cs.map((c) => c.dataset.title));
  assert.deepEqual(titles, ['Consumer lag (records)', 'Throughput (per second)']);
  const now = Number(await page.getAttribute(`${lagChart} li[data-series="notifications"]`, 'data-last'));
  const table = (await offsets(page)).reduce((n, r) => n + (r.committed === null ? 0 : r.logEnd - r.committed), 0);
  assert.equal(now, table, 'the chart says the lag the table shows');
  const points = await page.$eval(`${lagChart} polyline`, (l) => l.getAttribute('points').split(' ').length);
  assert.equal(points, 81, 'a sample every 500 ms since 0 s');
  await page.locator('[data-testid="charts"]').scrollIntoViewIfNeeded();
  await screenshot(page, 'charts');

  const before = await page.$eval(`${lagChart} polyline`, (l) => l.getAttribute('points'));
  await scrubTo(page, 10_000);
  await scrubTo(page, 40_000);
  assert.equal(await page.$eval(`${lagChart} polyline`, (l) => l.getAttribute('points')), before, 'replayed, the same line');
  assert.deepEqual(app.problems, []);
});
