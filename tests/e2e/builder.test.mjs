// The builder, used as a user would, from a blank page: every part added
// from the palette, named and set in its form, the picture changing as it
// goes. First the design notes' own RabbitMQ example, built and then
// published to by hand.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, screenshot, scrubTo, pause, clockMs } from './harness.mjs';

let app;
before(async () => {
  app = await openApp({ query: '?new=rabbitmq', ready: '[data-testid="builder"]' });
});
after(async () => {
  await app?.close();
});

/** The builder panel. */
const builder = (page) => page.getByTestId('builder');

/** Presses a palette button of one side ("Kafka" or "RabbitMQ"). */
async function add(page, side, label) {
  await builder(page).getByRole('group', { name: side }).getByRole('button', { name: label, exact: true }).click();
}

/** Selects a part of the scenario in the builder's list, by its description. */
async function select(page, description) {
  await builder(page).getByRole('navigation', { name: 'Parts of the scenario' })
    .getByRole('button', { name: description, exact: true }).click();
}

/** Types into a field of the form, by its label, and leaves it (which applies it). */
async function set(page, label, value) {
  const field = builder(page).getByLabel(label, { exact: true });
  if ((await field.evaluate((el) => el.tagName)) === 'SELECT') {
    await field.selectOption(value);
  } else {
    await field.fill(value);
    await field.press('Tab');
  }
}

/** A RabbitMQ consumer's acknowledged count, as drawn. */
async function acked(page, name) {
  return Number(await page.getAttribute(`[data-testid="rabbit-consumer"][data-name="${name}"]`, 'data-acked'));
}

test('the design notes topic exchange, built from nothing, routes india.123 to both queues', async () => {
  const { page } = app;
  await pause(page);
  await add(page, 'RabbitMQ', 'Add exchange');
  await set(page, 'name', 'orders');
  await set(page, 'type', 'topic');
  await add(page, 'RabbitMQ', 'Add queue');
  await set(page, 'name', 'india-all');
  await add(page, 'RabbitMQ', 'Add queue');
  await set(page, 'name', 'all-123');
  for (const [queue, key] of [['india-all', 'india.*'], ['all-123', '*.123']]) {
    await select(page, `queue "${queue}"`);
    await add(page, 'RabbitMQ', 'Add binding');
    assert.equal(await builder(page).getByLabel('destination', { exact: true }).inputValue(), queue);
    await set(page, 'routing key', key);
  }
  for (const [queue, consumer] of [['india-all', 'indian-office'], ['all-123', 'store-123']]) {
    await select(page, `queue "${queue}"`);
    await add(page, 'RabbitMQ', 'Add consumer');
    await set(page, 'name', consumer);
  }
  await add(page, 'RabbitMQ', 'Add publisher');
  await set(page, 'name', 'shop');
  // Slow enough that only what is sent by hand counts.
  await set(page, 'messages per second', '0.01');
  assert.equal(await builder(page).getByLabel('exchange', { exact: true }).inputValue(), 'orders');
  for (const name of ['orders']) assert.ok(await page.$(`[data-testid="exchange"][data-name="${name}"]`), `exchange ${name} is drawn`);
  for (const name of ['india-all', 'all-123']) assert.ok(await page.$(`[data-testid="queue"][data-name="${name}"]`), `queue ${name} is drawn`);
  await screenshot(page, 'builder-rabbit-built');

  // Each routing key published by hand, and where it went.
  const expected = [
    ['india.123', 1, 1],
    ['india.456', 2, 1],
    ['us.123', 2, 2],
  ];
  for (const [key, india, store] of expected) {
    await page.click('[data-testid="publisher"][data-name="shop"]');
    await page.fill('[data-testid="send-key"]', key);
    await page.click('[data-testid="send"]');
    await scrubTo(page, (await clockMs(page)) + 3_000);
    assert.equal(await acked(page, 'indian-office'), india, `${key}: india-all's consumer`);
    assert.equal(await acked(page, 'store-123'), store, `${key}: all-123's consumer`);
  }
  await screenshot(page, 'builder-rabbit-routed');
  assert.deepEqual(app.problems, []);
});
