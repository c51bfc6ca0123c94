// Accessibility as a screen-reader or keyboard user meets the page: axe-core
// (the audit behind Lighthouse's accessibility score) finds no serious or
// critical problem on a Kafka, a cluster, a RabbitMQ and the side-by-side
// preset, with the inspector and the shortcut list open; everything the
// inspector offers can be reached and pressed from the keyboard, with a
// visible focus ring; and the lesson and the event log are announced.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, pause, scrubTo, audit } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

for (const id of ['order-notifications', 'leader-failover', 'rabbit-retry-dead-letter', 'point-to-point-vs-pub-sub']) {
  test(`preset ${id} has no serious accessibility problem`, async () => {
    const { page } = app;
    await pickPreset(page, id);
    await pause(page);
    await scrubTo(page, 12_000);
    assert.deepEqual(await audit(page), []);
  });
}

test('the inspector and the shortcut list pass the audit too', async () => {
  const { page } = app;
  await pickPreset(page, 'order-notifications');
  await pause(page);
  await scrubTo(page, 12_000);
  await page.click('[data-testid="producer"][data-name="checkout"]');
  assert.deepEqual(await audit(page), [], 'with the inspector and its form open');
  await page.locator('h1').click();
  await page.keyboard.press('?');
  assert.deepEqual(await audit(page), [], 'with the shortcut list open');
  await page.keyboard.press('Escape');
});

test('a consumer can be crashed from the keyboard alone, with the focus always visible', async () => {
  const { page } = app;
  await pickPreset(page, 'order-notifications');
  await pause(page);
  await scrubTo(page, 12_000);
  // Tab from the top of the page until a consumer has the focus.
  await page.locator('h1').click();
  let focused = '';
  for (let i = 0; i < 80 && !focused.startsWith('consumer '); i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => {
      const el = document.activeElement;
      // An outline, or (on a drawn node, or a log cell's own shape) a
      // thick blue frame, or (on a partition's name) an underline.
      const frame = el.matches('rect') ? el : el.matches('g') && el.querySelector(':scope > rect');
      const ring =
        getComputedStyle(el).outlineStyle !== 'none' ||
        (frame && getComputedStyle(frame).strokeWidth === '3px') ||
        getComputedStyle(el).textDecorationLine.includes('underline');
      if (!ring) throw new Error(`no visible focus on ${el.outerHTML.slice(0, 160)}`);
      const node = el.closest('[data-testid]') ?? el;
      return `${node.dataset.testid ?? el.tagName} ${node.dataset.name ?? ''}`;
    });
  }
  assert.match(focused, /^consumer notifier-/, 'Tab reaches a consumer');
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('[data-testid="inspector-title"]'), /^Consumer notifier-/);
  const crash = page.locator('[data-testid="inspector-action"][data-action="Crash"]');
  await crash.focus();
  await page.keyboard.press('Enter');
  assert.equal(await page.textContent('[data-testid="inspector"] dd[data-fact="Status"]'), 'crashed');
});

test('a queued message is reached from the keyboard through its queue', async () => {
  const { page } = app;
  await pickPreset(page, 'rabbit-retry-dead-letter');
  await pause(page);
  await scrubTo(page, 30_000);
  await page.focus('[data-testid="queue"][data-name="parking"] [role="button"]');
  await page.keyboard.press('Enter');
  assert.equal(await page.textContent('[data-testid="inspector-title"]'), 'Queue parking');
  const listed = page.locator('[data-testid="inspector-message"]');
  assert.ok((await listed.count()) >= 1, 'the parked messages are listed');
  assert.match(await listed.first().textContent(), /^#\d+ order\.poison, ready/);
  await listed.first().focus();
  await page.keyboard.press('Enter');
  assert.match(await page.textContent('[data-testid="inspector-title"]'), /^Message /);
  assert.ok((await page.locator('[data-testid="inspector-path"] li').count()) > 0, 'its path is shown');
});

test('the lesson and the event log are announced to screen readers', async () => {
  const { page } = app;
  await pickPreset(page, 'order-notifications');
  const lesson = page.locator('[data-testid="lesson"]');
  assert.equal(await lesson.getAttribute('aria-label'), 'Lesson');
  assert.equal(await page.getAttribute('[data-testid="steps-done"]', 'role'), 'status', 'ticked steps are announced');
  const log = page.locator('[data-testid="event-log"] [role="log"]');
  assert.equal(await log.getAttribute('tabindex'), '0', 'the log can be scrolled from the keyboard');
  assert.ok((await log.locator('[data-testid="log-line"]').count()) > 0, 'the log reads as text');
});
