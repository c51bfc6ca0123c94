// The builder without a mouse: by keyboard alone (Tab to a palette button,
// Enter, Tab to a field, type), and by touch (a finger dragged from an
// exchange to a queue binds them).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, screenshot, pause, add, set, builder, field } from './harness.mjs';

/** Presses Tab (Shift+Tab with `back`) until the focused element is `matches`, at most 80 times. */
async function tabTo(page, description, matches, back = false) {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if (await page.evaluate(matches)) return;
  }
  assert.fail(`Tab never reached ${description}`);
}

test('by keyboard alone: a queue added, named and given a TTL', async () => {
  const app = await openApp({ query: '?new=rabbitmq', ready: '[data-testid="builder"]' });
  try {
    const { page } = app;
    await pause(page);
    await tabTo(page, 'Add queue', () => document.activeElement?.textContent === 'Add queue');
    await page.keyboard.press('Enter');
    await tabTo(page, 'the name field', () => document.activeElement?.id === 'field-rabbit-queues-0-name');
    await page.keyboard.press('Control+a');
    await page.keyboard.type('orders');
    await tabTo(page, 'x-message-ttl', () => document.activeElement?.id === 'field-rabbit-queues-0-arguments-x-message-ttl');
    await page.keyboard.type('60000');
    await page.keyboard.press('Tab');
    assert.ok(await page.$('[data-testid="queue"][data-name="orders"]'), 'the queue is drawn, named');
    const json = JSON.parse(await builder(page).getByTestId('builder-json').inputValue());
    assert.deepEqual(json.rabbit.queues, [{ name: 'orders', arguments: { 'x-message-ttl': 60000 } }]);
    // In a field, Ctrl+Z is the field's own; on a button, it undoes the
    // last edit, and Shift+Ctrl+Z redoes it.
    await tabTo(page, 'Undo', () => document.activeElement?.textContent === 'Undo', true);
    const queues = async () => JSON.parse(await builder(page).getByTestId('builder-json').inputValue()).rabbit.queues;
    await page.keyboard.press('Control+z');
    assert.deepEqual(await queues(), [{ name: 'orders' }], 'the TTL undone');
    await page.keyboard.press('Control+Shift+z');
    assert.deepEqual(await queues(), [{ name: 'orders', arguments: { 'x-message-ttl': 60000 } }], 'and redone');
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});

test('by touch: a finger dragged from an exchange to a queue binds them', async () => {
  const app = await openApp({ query: '?new=rabbitmq', ready: '[data-testid="builder"]', width: 390, height: 844, touch: true });
  try {
    const { page } = app;
    await pause(page);
    await add(page, 'RabbitMQ', 'Add exchange');
    await add(page, 'RabbitMQ', 'Add queue');
    const centre = async (selector) => {
      await page.locator(selector).scrollIntoViewIfNeeded();
      const box = await page.locator(selector).boundingBox();
      return [box.x + box.width / 2, box.y + box.height / 2];
    };
    const from = await centre('[data-testid="exchange"][data-name="exchange"]');
    const to = await centre('[data-testid="queue"][data-name="queue"]');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: from[0], y: from[1], id: 0 }] });
    for (let step = 1; step <= 6; step++) {
      const x = from[0] + ((to[0] - from[0]) * step) / 6;
      const y = from[1] + ((to[1] - from[1]) * step) / 6;
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y, id: 0 }] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.waitForFunction(() => document.activeElement?.id === 'field-rabbit-bindings-0-routing_key');
    await page.keyboard.type('orders.#');
    await field(page, 'routing key').press('Tab');
    const json = JSON.parse(await builder(page).getByTestId('builder-json').inputValue());
    assert.deepEqual(json.rabbit.bindings, [{ source: 'exchange', destination: 'queue', destination_type: 'queue', routing_key: 'orders.#' }]);
    await screenshot(page, 'builder-touch-bound');
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});
