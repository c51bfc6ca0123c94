// The first animated Kafka flow, as a user sees it: the default scenario
// plays on load, records fill the partition logs, consumers commit, and the
// controls pause and speed up time.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, offsets, clockMs, screenshot } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

test('the default scenario plays: log end offsets and committed offsets advance', async () => {
  const { page } = app;
  assert.equal(await page.textContent('[data-testid="scenario-name"]'), 'Order notifications');
  await page.selectOption('[data-testid="speed"]', '4');

  const sum = (rows, field) => rows.reduce((n, r) => n + (r[field] ?? 0), 0);
  const first = await offsets(page);
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-testid="lag-row"]')];
    return rows.length === 3 && rows.every((r) => r.dataset.committed !== '' && Number(r.dataset.committed) > 0);
  }, null, { timeout: 30_000 });
  const second = await offsets(page);
  await page.waitForTimeout(2_000);
  const third = await offsets(page);

  assert.equal(second.length, 3, 'one row per partition');
  assert.ok(sum(third, 'logEnd') > sum(second, 'logEnd'), 'log end offsets keep growing');
  assert.ok(sum(third, 'committed') > sum(first, 'committed'), 'committed offsets advance');
  for (const row of third) {
    assert.ok(row.committed <= row.logEnd, `partition ${row.partition}: committed ≤ log end`);
  }
  // The SVG strips show the same log ends as the table.
  const strips = await page.$$eval('[data-testid="partition"]', (gs) => gs.map((g) => Number(g.dataset.logEnd)));
  assert.equal(strips.length, 3);
  assert.ok(strips.every((n) => n > 0), 'every partition has records');
  // Cells are labelled with their record's key letter (colour is never the only signal).
  const letters = await page.$$eval('.cell .letter', (ts) => ts.map((t) => t.textContent));
  assert.ok(letters.some((l) => /^[A-Z]$/.test(l)), `keyed cells show a letter: ${letters.join('')}`);
  await screenshot(page, 'kafka-flow');
});

test('message tokens move between frames', async () => {
  const { page } = app;
  // Sample every token's position on 30 consecutive animation frames, inside
  // the page, and look for one whose position changed from frame to frame.
  const moves = await page.evaluate(
    () =>
      new Promise((done) => {
        const seen = new Map();
        let frames = 0;
        let moves = 0;
        const sample = () => {
          for (const t of document.querySelectorAll('[data-testid="token"]')) {
            const id = t.getAttribute('data-token');
            const at = t.getAttribute('transform');
            if (seen.has(id) && seen.get(id) !== at) moves += 1;
            seen.set(id, at);
          }
          if (++frames < 30) requestAnimationFrame(sample);
          else done({ moves, tokens: seen.size });
        };
        requestAnimationFrame(sample);
      }),
  );
  assert.ok(moves.tokens > 0, 'tokens are drawn');
  assert.ok(moves.moves > 0, `tokens move from frame to frame (${JSON.stringify(moves)})`);
});

test('pause stops the clock and play resumes it', async () => {
  const { page } = app;
  await page.click('[data-testid="play-pause"]');
  assert.equal(await page.getAttribute('[data-testid="play-pause"]', 'aria-pressed'), 'true');
  const paused = await clockMs(page);
  await page.waitForTimeout(500);
  assert.equal(await clockMs(page), paused, 'no time passes while paused');
  await page.click('[data-testid="play-pause"]');
  await page.waitForTimeout(500);
  assert.ok((await clockMs(page)) > paused, 'time moves again after play');
});

test('the speed control scales virtual time', async () => {
  const { page } = app;
  await page.selectOption('[data-testid="speed"]', '10');
  const start = await clockMs(page);
  await page.waitForTimeout(1_000);
  const advanced = (await clockMs(page)) - start;
  assert.ok(advanced > 3_000, `×10 for about a second advanced ${advanced} ms of virtual time`);
});

test('a crowd of a thousand tokens is drawn on a canvas that clicks go through', async () => {
  const { page, url } = app;
  await page.goto(`${url}?bench`);
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="token-count"]')?.dataset.count) > 500);
  assert.equal(await page.$$eval('[data-testid="token"]', (ts) => ts.length), 0, 'no token is its own element');
  // The canvas has the picture's on-screen size in pixels, and its dots move.
  const look = () => page.evaluate(() => {
    const canvas = document.querySelector('.token-crowd canvas');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const inked = [];
    for (let i = 3; i < data.length; i += 4 * 97) inked.push(data[i] > 0 ? 1 : 0);
    const shown = document.querySelector('.token-crowd').getBoundingClientRect().width;
    return { width: canvas.width, shown, inked };
  });
  const first = await look();
  // A busy machine may hold a frame back: wait for the clock to move on,
  // not for a time.
  const from = await clockMs(page);
  await page.waitForFunction((t) => Number(document.querySelector('[data-testid="clock"]').dataset.clockMs) > t + 200, from);
  const second = await look();
  assert.ok(Math.abs(first.width - first.shown * (await page.evaluate(() => devicePixelRatio))) <= 1,
    `canvas ${first.width} px wide for a picture shown ${first.shown} px wide`);
  const ink = second.inked.reduce((a, b) => a + b, 0);
  assert.ok(ink > 50, `dots are drawn (${ink} samples inked)`);
  assert.ok(first.inked.some((v, i) => v !== second.inked[i]), 'the dots move between frames');
  // A producer beneath the canvas is still what a click reaches.
  const reached = await page.evaluate(() => {
    const producer = document.querySelector('[data-testid="producer"] .hit');
    const box = producer.getBoundingClientRect();
    return document.elementFromPoint(box.right - 4, box.top + box.height / 2)?.closest('[data-testid="producer"]')?.dataset.name;
  });
  assert.equal(reached, 'shop-1');
  await screenshot(page, 'kafka-crowd');
});

test('no errors were logged', () => {
  assert.deepEqual(app.problems, []);
});
