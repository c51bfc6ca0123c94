// A phone in a student's hand: a tap on a node inspects it, two fingers
// pinch the picture larger, one finger then moves about in it (without
// selecting what it started on), and the zoom buttons do the same for a
// mouse. Touches are sent as the DevTools protocol's touch events, which
// Chromium turns into pointer events as a touch screen would.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pause, screenshot } from './harness.mjs';

let app;
before(async () => {
  app = await openApp({ width: 390, height: 844, touch: true });
});
after(async () => {
  await app?.close();
});

/** The picture's scale, as its transform draws it. */
const scale = (page) =>
  page.$eval('[data-testid="viewport"] .zoomable', (el) => new DOMMatrix(getComputedStyle(el).transform).a);

/** Two fingers from `from` to `to` ([[x, y], [x, y]] in page pixels), in steps. */
async function pinch(page, from, to, steps = 8) {
  const cdp = await page.context().newCDPSession(page);
  const points = (pair) => pair.map(([x, y], id) => ({ x, y, id }));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(from) });
  for (let i = 1; i <= steps; i++) {
    const between = from.map(([x, y], f) => [x + ((to[f][0] - x) * i) / steps, y + ((to[f][1] - y) * i) / steps]);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(between) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** One finger from `from` to `to`. */
async function drag(page, from, to, steps = 8) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from[0], y: from[1], id: 0 }] });
  for (let i = 1; i <= steps; i++) {
    const x = from[0] + ((to[0] - from[0]) * i) / steps;
    const y = from[1] + ((to[1] - from[1]) * i) / steps;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y, id: 0 }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

test('a tap inspects a node, a pinch zooms, a drag moves the zoomed picture', async () => {
  const { page } = app;
  await pause(page);
  await page.tap('[data-testid="consumer"][data-name="notifier-1"]');
  assert.equal(await page.textContent('[data-testid="inspector-title"]'), 'Consumer notifier-1');
  // On a phone the inspector is a sheet from the bottom, the width of the screen.
  const sheet = await page.$eval('[data-testid="inspector"]', (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, bottom: r.bottom, height: r.height, width: innerWidth, screen: innerHeight };
  });
  assert.deepEqual([sheet.left, sheet.right, Math.round(sheet.bottom)], [0, sheet.width, sheet.screen]);
  assert.ok(sheet.height <= sheet.screen * 0.55 + 1, `the sheet leaves the picture in sight: ${sheet.height} px`);
  await screenshot(page, 'touch-inspector-sheet');
  await page.click('[data-testid="inspector"] .close');

  assert.equal(await scale(page), 1);
  const box = await page.$eval('[data-testid="viewport"]', (el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  });
  await pinch(page, [[box.x - 30, box.y], [box.x + 30, box.y]], [[box.x - 90, box.y], [box.x + 90, box.y]]);
  const zoomed = await scale(page);
  assert.ok(zoomed > 2, `pinched to ${zoomed}`);
  assert.ok(await page.$('[data-testid="viewport"].zoomed'));
  const text = await page.$eval('[data-testid="kafka-view"] .strip-label', (el) => el.getBoundingClientRect().height);
  await screenshot(page, 'touch-pinched');

  // One finger moves the picture; the node it started on is not selected.
  const before = await page.$eval('.zoomable', (el) => el.style.transform);
  await drag(page, [box.x + 60, box.y], [box.x - 60, box.y]);
  const after = await page.$eval('.zoomable', (el) => el.style.transform);
  assert.notEqual(after, before, 'the drag moved the picture');
  assert.equal(await scale(page), zoomed, 'and did not zoom it');
  assert.equal(await page.$('[data-testid="inspector"]'), null, 'a drag is not a tap');
  assert.ok(text > 5, `the zoomed text is readable: ${text.toFixed(1)} px tall`);

  // The buttons: out, back to the whole picture, in.
  await page.click('[data-testid="zoom-fit"]');
  assert.equal(await scale(page), 1);
  await page.click('[data-testid="zoom-in"]');
  assert.equal(await scale(page), 1.5);
  await page.click('[data-testid="zoom-out"]');
  assert.equal(await scale(page), 1);
  assert.deepEqual(app.problems, []);
});
