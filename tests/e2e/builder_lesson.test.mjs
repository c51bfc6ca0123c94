// A lesson written in the builder and shared: a watch-for line with a live
// counter and a try-this step with its check, ticked off when the student
// does it; then Copy link, opened in a fresh browser, gives the same run at
// the same moment with the lesson.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { openApp, screenshot, scrubTo, pause, clockMs, act, add, set, select, builder } from './harness.mjs';

let app;
before(async () => {
  app = await openApp({ query: '?new=rabbitmq', ready: '[data-testid="builder"]' });
});
after(async () => {
  await app?.close();
});

test('a lesson written in the page ticks off its step, and a link carries it to a fresh browser', async () => {
  const { page } = app;
  await pause(page);
  await add(page, 'RabbitMQ', 'Add queue');
  await set(page, 'name', 'work');
  await add(page, 'RabbitMQ', 'Add consumer');
  await set(page, 'name', 'worker');
  await set(page, 'processing (ms)', '2000');
  await set(page, 'prefetch', '1');
  await add(page, 'RabbitMQ', 'Add publisher');
  // The default exchange routes by queue name.
  await set(page, 'routing keys', 'work');
  await set(page, 'messages per second', '2');

  await select(page, 'Lesson');
  await set(page, 'watch for', 'Messages waiting: {ready work}');
  await builder(page).getByRole('button', { name: 'Add step', exact: true }).click();
  await set(page, 'step', 'Crash the worker and watch its messages come back');
  await set(page, 'done when', 'did rabbit_consumer_crash consumer=worker');
  const lesson = page.getByTestId('lesson');
  assert.match(await lesson.textContent(), /Messages waiting:/);
  assert.equal(await page.getAttribute('[data-testid="lesson-step"]', 'data-done'), 'false');

  await scrubTo(page, 5_000);
  const waiting = Number(await page.textContent('[data-testid="counter"][data-counter="ready work"]'));
  const drawn = Number(await page.getAttribute('[data-testid="queue"][data-name="work"]', 'data-ready'));
  assert.ok(waiting > 0, 'messages wait');
  assert.equal(waiting, drawn, 'the counter counts what the picture shows');
  await page.click('[data-testid="rabbit-consumer"][data-name="worker"]');
  await act(page, 'Crash');
  assert.equal(await page.getAttribute('[data-testid="lesson-step"]', 'data-done'), 'true', 'the step is ticked off');
  await screenshot(page, 'builder-lesson');

  await scrubTo(page, 7_000);
  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s='));
  const link = page.url();
  const at = await clockMs(page);

  // A fresh browser: no local storage, nothing but the link.
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await fresh.goto(link);
    await fresh.waitForSelector('[data-testid="rabbit-view"]');
    assert.equal(await clockMs(fresh), at, 'the same moment');
    assert.equal(await fresh.getAttribute('[data-testid="queue"][data-name="work"]', 'data-ready'),
      await page.getAttribute('[data-testid="queue"][data-name="work"]', 'data-ready'), 'the same run');
    assert.equal(await fresh.getAttribute('[data-testid="rabbit-consumer"][data-name="worker"]', 'data-status'),
      await page.getAttribute('[data-testid="rabbit-consumer"][data-name="worker"]', 'data-status'), 'the crash is in it');
    assert.match(await fresh.getByTestId('lesson').textContent(), /Messages waiting:.*Crash the worker/s, 'the lesson is in it');
    await screenshot(fresh, 'builder-lesson-shared');
  } finally {
    await browser.close();
  }
  assert.deepEqual(app.problems, []);
});
