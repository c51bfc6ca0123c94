// The builder, used as a user would, from a blank page: every part added
// from the palette, named and set in its form, the picture changing as it
// goes. First the design notes' own RabbitMQ example, built and then
// published to by hand; then, while it runs, a prefetch changed and a
// binding added now, undone and redone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, screenshot, scrubTo, pause, clockMs, add, select, set, builder, field, problemBeside } from './harness.mjs';

let app;
before(async () => {
  app = await openApp({ query: '?new=rabbitmq', ready: '[data-testid="builder"]' });
});
after(async () => {
  await app?.close();
});

/** A RabbitMQ consumer's acknowledged count, as drawn. */
async function acked(page, name) {
  return Number(await page.getAttribute(`[data-testid="rabbit-consumer"][data-name="${name}"]`, 'data-acked'));
}

test('the design notes topic exchange, built from nothing, routes india.123 to both queues', async () => {
  const { page } = app;
  await pause(page);
  assert.equal(await page.textContent('[data-testid="empty-picture"]'),
    'Nothing to draw yet: add a topic, or an exchange and a queue, from the palette.');
  await add(page, 'RabbitMQ', 'Add exchange');
  assert.equal(await page.$('[data-testid="empty-picture"]'), null, 'the exchange is drawn instead');
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

/** The scenario on screen, as the JSON view shows it. */
async function scenario(page) {
  return JSON.parse(await builder(page).getByTestId('builder-json').inputValue());
}

test('changed now: a prefetch and a binding join the timeline, and undo and redo walk them', async () => {
  const { page } = app;
  const store = '[data-testid="rabbit-consumer"][data-name="store-123"]';
  await builder(page).getByRole('radio', { name: /Do it now/ }).check();
  const at = await clockMs(page);
  await select(page, 'consumer "store-123"');
  await set(page, 'prefetch', '1');
  assert.equal(await page.getAttribute(store, 'data-prefetch'), '1', 'the consumer now takes one at a time');
  await select(page, 'queue "all-123"');
  await add(page, 'RabbitMQ', 'Add binding');
  // Besides the messages published by hand before.
  const changes = async () => ((await scenario(page)).timeline ?? []).filter((e) => e.do !== 'rabbit_publish');
  const timeline = await changes();
  assert.deepEqual(timeline.map((e) => [e.at_ms, e.do]), [
    [at, 'rabbit_consumer_prefetch'],
    [at, 'rabbit_bind'],
  ]);
  assert.equal(timeline[0].prefetch, 1);
  assert.equal((await scenario(page)).rabbit.consumers[1].prefetch, 10, 'the setup is as it was');
  await screenshot(page, 'builder-changed-now');

  // A setting with no intervention says so beside its field.
  await select(page, 'consumer "store-123"');
  await field(page, 'auto_ack').check();
  assert.match(await problemBeside(page, 'auto_ack'), /only be changed in the setup/);

  const undo = builder(page).getByRole('button', { name: 'Undo', exact: true });
  await undo.click();
  await undo.click();
  assert.deepEqual(await changes(), [], 'both undone');
  assert.equal(await page.getAttribute(store, 'data-prefetch'), '10');
  await builder(page).getByRole('button', { name: 'Redo', exact: true }).click();
  assert.deepEqual((await changes()).map((e) => e.do), ['rabbit_consumer_prefetch']);
  assert.equal(await page.getAttribute(store, 'data-prefetch'), '1');
  assert.deepEqual(app.problems, []);
});

/** The centre of a drawn node, on the page. */
async function centre(page, selector) {
  const box = await page.locator(selector).first().boundingBox();
  return [box.x + box.width / 2, box.y + box.height / 2];
}

test('a node clicked opens its form, and a drag from an exchange to a queue binds them, key typed in place', async () => {
  const { page } = app;
  await builder(page).getByRole('radio', { name: /Change the setup/ }).check();
  await page.click('[data-testid="queue"][data-name="india-all"]');
  assert.equal(await builder(page).locator('.form h3').textContent(), 'queue "india-all"');
  // An exchange too, which the inspector does not describe.
  await page.click('[data-testid="exchange"][data-name="orders"]');
  assert.equal(await builder(page).locator('.form h3').textContent(), 'exchange "orders"');

  await add(page, 'RabbitMQ', 'Add queue');
  await set(page, 'name', 'audit');
  const [fx, fy] = await centre(page, '[data-testid="exchange"][data-name="orders"]');
  const [tx, ty] = await centre(page, '[data-testid="queue"][data-name="audit"]');
  await page.mouse.move(fx, fy);
  await page.mouse.down();
  await page.mouse.move((fx + tx) / 2, (fy + ty) / 2, { steps: 4 });
  assert.ok(await page.$('.connect-line line'), 'the drag is drawn as a line');
  await screenshot(page, 'builder-dragging');
  await page.mouse.move(tx, ty, { steps: 4 });
  await page.mouse.up();
  assert.equal(await page.$('.connect-line'), null, 'and the line goes when it ends');
  assert.equal(await builder(page).locator('.form h3').textContent(), 'Binding 3');
  const key = field(page, 'routing key');
  await page.waitForFunction(() => document.activeElement?.id === 'field-rabbit-bindings-2-routing_key');
  await page.keyboard.type('#');
  await key.press('Tab');
  const bound = (await scenario(page)).rabbit.bindings.at(-1);
  assert.deepEqual(bound, { source: 'orders', destination: 'audit', destination_type: 'queue', routing_key: '#' });
  await screenshot(page, 'builder-dragged-binding');

  // Side by side: one pane per line, each naming its queues.
  await select(page, 'Scenario');
  await set(page, 'panes', 'India: india-all\nEverything 123: all-123, audit');
  const titles = await page.$$eval('[data-testid="panes"] .pane h2', (hs) => hs.map((h) => h.textContent));
  assert.deepEqual(titles, ['India', 'Everything 123']);
  assert.deepEqual(app.problems, []);
});

test('an exchange declared now and a publisher added now are drawn from that moment on', async () => {
  const { page } = app;
  await builder(page).getByRole('radio', { name: /Do it now/ }).check();
  await scrubTo(page, 20_000);
  await add(page, 'RabbitMQ', 'Add exchange');
  await add(page, 'RabbitMQ', 'Add publisher');
  const timeline = (await scenario(page)).timeline.slice(-2);
  assert.deepEqual(timeline.map((e) => [e.at_ms, e.do]), [[20_000, 'rabbit_exchange_declare'], [20_000, 'rabbit_publisher_add']]);
  assert.equal(timeline[1].publisher.exchange, 'exchange', 'the new publisher publishes to the new exchange');
  // Listed among the parts with their moment; their form says where they are.
  await select(page, 'exchange "exchange" (from 20.000s)');
  assert.equal(await builder(page).getByTestId('started-at').textContent(),
    'It starts at 20.000s, in the timeline: its settings are that entry\'s.');
  const drawn = async () => ({
    exchange: Boolean(await page.$('[data-testid="exchange"][data-name="exchange"]')),
    publisher: Boolean(await page.$('[data-testid="publisher"][data-name="publisher"]')),
  });
  assert.deepEqual(await drawn(), { exchange: true, publisher: true });
  await scrubTo(page, 19_000);
  assert.deepEqual(await drawn(), { exchange: false, publisher: false }, 'not there before');
  await scrubTo(page, 23_000);
  assert.deepEqual(await drawn(), { exchange: true, publisher: true });
  await screenshot(page, 'builder-declared-now');

  // Their forms edit their timeline entries, in the setup, with the same checks.
  await builder(page).getByRole('radio', { name: /Change the setup/ }).check();
  await set(page, 'type', 'fanout');
  await select(page, 'publisher "publisher" (from 20.000s)');
  await set(page, 'messages per second', '-3');
  assert.match(await problemBeside(page, 'messages per second'), /must be/);
  await set(page, 'messages per second', '7');
  assert.equal(await problemBeside(page, 'messages per second'), null);
  const edited = (await scenario(page)).timeline.slice(-2);
  assert.deepEqual([edited[0].exchange.type, edited[1].publisher.rate_per_sec], ['fanout', 7]);
  assert.equal(await clockMs(page), 23_000, 'replayed to the moment shown');

  // The timeline, listed: an entry later ones need cannot go; the last can.
  await builder(page).getByText(/^Timeline \(\d+\)$/).click();
  const entries = builder(page).locator('.timeline li');
  const count = await entries.count();
  assert.match(await entries.nth(count - 2).textContent(), /^20\.000s rabbit_exchange_declare exchange=exchange/);
  await builder(page).getByRole('button', { name: `Delete timeline entry ${count - 1}`, exact: true }).click();
  assert.match(await page.textContent('[data-testid="notice"]'), /cannot go while later ones need it: timeline\[\d+\]\.publisher\.exchange: no exchange named "exchange" by then/);
  await builder(page).getByRole('button', { name: `Delete timeline entry ${count}`, exact: true }).click();
  assert.deepEqual(await drawn(), { exchange: true, publisher: false }, 'the publisher is gone, the exchange stays');
  // An entry's moment is a button that goes there.
  await entries.nth(count - 2).getByRole('button', { name: /rabbit_exchange_declare/ }).click();
  assert.equal(await clockMs(page), 20_000);
  // Duplicated, it is declared again at the same moment, under a new name.
  await select(page, 'exchange "exchange" (from 20.000s)');
  await builder(page).getByRole('button', { name: 'Duplicate', exact: true }).click();
  await select(page, 'exchange "exchange-copy" (from 20.000s)');
  assert.equal(await field(page, 'type').inputValue(), 'fanout');
  assert.deepEqual(app.problems, []);
});

test('a timeline entry, picked in the list, has its own form: its moment and its fields', async () => {
  const { page } = app;
  await builder(page).getByRole('radio', { name: /Change the setup/ }).check();
  const list = builder(page).locator('details.timeline');
  if (!(await list.evaluate((d) => d.open))) await list.locator('summary').click();
  await list.getByRole('button', { name: /rabbit_consumer_prefetch/ }).click();
  const heading = builder(page).locator('.form h3');
  assert.match(await heading.textContent(), /^Timeline entry \d+: \d+\.\d{3}s rabbit_consumer_prefetch consumer=store-123 prefetch=1$/);
  assert.equal(await builder(page).getByTestId('started-at').count(), 0, 'an entry is not a part');
  const prefetchEntry = async () => (await scenario(page)).timeline.find((e) => e.do === 'rabbit_consumer_prefetch');
  await set(page, 'prefetch', '3');
  assert.equal((await prefetchEntry()).prefetch, 3);
  // Refused as a file would be, beside its field; the entry stays as it was.
  await set(page, 'prefetch', 'many');
  assert.match(await problemBeside(page, 'prefetch'), /invalid type: string "many"/);
  assert.equal((await prefetchEntry()).prefetch, 3);
  await set(page, 'prefetch', '3');
  // Moved in time, it takes its place in time order, its form with it.
  await set(page, 'at_ms', '25000');
  assert.equal((await prefetchEntry()).at_ms, 25_000);
  assert.match(await heading.textContent(), /^Timeline entry \d+: 25\.000s rabbit_consumer_prefetch/);
  const pressed = list.locator('button[aria-pressed="true"]');
  assert.match(await pressed.textContent(), /^25\.000s rabbit_consumer_prefetch/);
  await screenshot(page, 'builder-timeline-entry');
  // The entry that declares an exchange leads to the exchange's form.
  await list.getByRole('button', { name: /^20\.000s rabbit_exchange_declare exchange=exchange$/ }).click();
  await builder(page).getByRole('button', { name: 'Settings of exchange "exchange"' }).click();
  assert.equal(await heading.textContent(), 'exchange "exchange"');
  // Deleted from its form, it goes from the timeline.
  await list.getByRole('button', { name: /rabbit_consumer_prefetch/ }).click();
  await builder(page).getByRole('button', { name: 'Delete', exact: true }).click();
  assert.equal(await prefetchEntry(), undefined);
  assert.equal(await heading.textContent(), 'Scenario');
  assert.deepEqual(app.problems, []);
});
