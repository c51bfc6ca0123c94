// Presenting to a class: the keyboard and a clicker drive the playground,
// `?` lists the shortcuts, the projector theme and full screen, tokens that
// jump for readers who ask for less motion, and the side-by-side preset
// where one message reaches one worker on the left and every subscriber on
// the right.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, screenshot, scrubTo, pause, clockMs, watchTokens } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

const paused = async (page) =>
  (await page.getAttribute('[data-testid="play-pause"]', 'aria-pressed')) === 'true';
const loads = (page) => page.getAttribute('main.app', 'data-loads').then(Number);

test('keys and a clicker pause, step, step back and pick presets', async () => {
  const { page } = app;
  await page.locator('body').click({ position: { x: 5, y: 5 } });
  assert.equal(await paused(page), false, 'the default preset plays');
  await page.keyboard.press('Space');
  assert.equal(await paused(page), true, 'Space pauses');
  await page.keyboard.press('.');
  assert.equal(await paused(page), false, 'a clicker\'s "." plays again');
  await page.keyboard.press('.');

  await scrubTo(page, 10_000);
  await page.keyboard.press('ArrowRight');
  const first = await clockMs(page);
  assert.ok(first > 10_000, `→ steps to the next event (${first})`);
  await page.keyboard.press('PageDown');
  const second = await clockMs(page);
  assert.ok(second > first, `Page Down steps on (${second})`);
  await page.keyboard.press('PageUp');
  assert.equal(await clockMs(page), first, 'Page Up steps back to the event before');
  await page.keyboard.press('ArrowLeft');
  assert.ok((await clockMs(page)) < first, '← steps back again');
  assert.equal(await paused(page), true, 'stepping pauses');

  const before = await loads(page);
  await page.keyboard.press('2');
  await page.waitForFunction((n) => Number(document.querySelector('main.app').dataset.loads) > n, before);
  const second_preset = await page.$eval('[data-testid="preset"] option:nth-child(2)', (o) => o.textContent);
  assert.equal(await page.textContent('[data-testid="scenario-name"]'), second_preset, '2 opens the second preset');
  assert.deepEqual(app.problems, []);
});

test('Space on a focused node selects it and leaves playback alone', async () => {
  const { page } = app;
  await pickPreset(page, 'order-notifications');
  await pause(page);
  await page.focus('[data-testid="consumer"][data-name="notifier-1"] [role="button"]');
  await page.keyboard.press('Space');
  assert.equal(await page.textContent('[data-testid="inspector-title"]'), 'Consumer notifier-1');
  assert.equal(await paused(page), true, 'still paused');
  await page.keyboard.press('Escape');
  assert.equal(await page.$('[data-testid="inspector"]'), null, 'Esc closes the inspector');
});

test('keys typed into a field stay in the field', async () => {
  const { page } = app;
  await pickPreset(page, 'keys-and-partitions');
  await pause(page);
  await page.click('[data-testid="producer"][data-name="checkout"]');
  const before = await loads(page);
  await page.fill('[data-testid="send-key"]', '');
  await page.type('[data-testid="send-key"]', 'p1 . ?');
  assert.equal(await page.inputValue('[data-testid="send-key"]'), 'p1 . ?');
  assert.equal(await loads(page), before, 'no preset was opened');
  assert.equal(await page.$('[data-testid="shortcut-help"]'), null, 'no overlay');
  assert.equal(await paused(page), true, 'still paused');
});

test('? lists the shortcuts and Escape closes the list', async () => {
  const { page } = app;
  await page.locator('h1').click();
  await page.keyboard.press('?');
  const help = page.locator('[data-testid="shortcut-help"]');
  assert.equal(await help.getAttribute('role'), 'dialog');
  const keys = await help.locator('kbd').allTextContents();
  assert.ok(keys.some((k) => k.includes('Page Down')), 'clicker keys are listed');
  assert.ok(keys.length >= 7, `${keys.length} shortcuts listed`);
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Close', 'focus moves into the list');
  await screenshot(page, 'presenter-shortcuts');
  await page.keyboard.press('Escape');
  assert.equal(await page.$('[data-testid="shortcut-help"]'), null);
});

test('the projector theme and full screen', async () => {
  const { page } = app;
  await pickPreset(page, 'leader-failover');
  await page.locator('h1').click();
  await page.keyboard.press('p');
  assert.match(await page.getAttribute('main.app', 'class'), /projector/);
  assert.equal(await page.getAttribute('[data-testid="projector"]', 'aria-pressed'), 'true');
  const size = await page.$eval('main.app', (m) => parseFloat(getComputedStyle(m).fontSize));
  assert.ok(size >= 19, `large type (${size}px)`);
  for (const [width, height] of [[1280, 720], [1920, 1080]]) {
    await page.setViewportSize({ width, height });
    await scrubTo(page, 14_000);
    await screenshot(page, `presenter-projector-${width}x${height}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `nothing runs off the side at ${width}×${height} (${overflow}px)`);
  }
  // On a small projector the lesson folds away, and stays folded as it runs.
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.click('[data-testid="lesson"] summary');
  await page.click('[data-testid="play-pause"]');
  await page.waitForTimeout(500);
  assert.equal(await page.$eval('[data-testid="lesson"]', (d) => d.open), false, 'the lesson stays folded');
  const top = await page.$eval('[data-testid="cluster-view"]', (v) => v.getBoundingClientRect().top);
  assert.ok(top < 400, `the picture starts in the upper part of a 720-pixel screen (${top})`);
  await screenshot(page, 'presenter-projector-1280x720-folded');
  await page.click('[data-testid="play-pause"]');
  await page.click('[data-testid="lesson"] summary');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.keyboard.press('P');
  assert.doesNotMatch(await page.getAttribute('main.app', 'class'), /projector/);

  await page.click('[data-testid="fullscreen"]');
  await page.waitForFunction(() => document.fullscreenElement !== null);
  await page.keyboard.press('f');
  await page.waitForFunction(() => document.fullscreenElement === null);
});

test('side by side: one message reaches one worker on the left and every subscriber on the right', async () => {
  const { page } = app;
  await pickPreset(page, 'point-to-point-vs-pub-sub');
  await pause(page);
  await scrubTo(page, 10_000);
  const panes = page.locator('[data-testid="panes"] > section');
  assert.equal(await panes.count(), 2);
  const left = panes.nth(0);
  const right = panes.nth(1);
  assert.equal(await left.locator('[data-testid="queue"]').count(), 1, 'the left pane has the work queue');
  assert.equal(await right.locator('[data-testid="queue"]').count(), 3, 'the right pane has a queue per subscriber');

  // A message a worker holds, followed until everyone has had it.
  await left.locator('[data-testid="rabbit-consumer"] [data-message]').first().click();
  await scrubTo(page, 16_000);
  const path = await page.locator('[data-testid="inspector-path"] li').allTextContents();
  const pushedTo = (who) => path.filter((line) => new RegExp(`pushed it to ${who}`).test(line)).length;
  assert.equal(pushedTo('worker-'), 1, `one worker got it:\n${path.join('\n')}`);
  for (const subscriber of ['email-service', 'sms-service', 'analytics-service']) {
    assert.equal(pushedTo(subscriber), 1, `${subscriber} got it too`);
  }
  await screenshot(page, 'side-by-side');
  assert.deepEqual(app.problems, []);
});

test('with reduced motion, tokens jump instead of gliding', async () => {
  const { page } = app;
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(app.url);
  await page.waitForSelector('[data-testid="kafka-view"]');
  await page.selectOption('[data-testid="speed"]', '1');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="token"]').length > 0);
  const tokens = Object.values(await watchTokens(page, 40));
  assert.ok(tokens.length > 0);
  for (const token of tokens) {
    assert.ok(new Set(token.xs).size <= 2, `${token.title}: at its start, then at its end (${[...new Set(token.xs)]})`);
  }
  assert.ok(tokens.some((t) => new Set(t.xs).size === 2), 'some token jumped while watched');
  await page.emulateMedia({ reducedMotion: 'no-preference' });
});
