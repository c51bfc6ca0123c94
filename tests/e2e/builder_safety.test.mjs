// What the builder does with bad input, and how it keeps work: every value
// the engine refuses is named beside its field (or, in the JSON view, by
// line and column), the scenario on screen keeps running as it was, undo
// and redo walk the edits, and a reload brings back what was being built.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openApp, screenshot, pause, add, set, select, field, builder, problemBeside } from './harness.mjs';

let app;
before(async () => {
  app = await openApp({ query: '?new=both', ready: '[data-testid="builder"]' });
});
after(async () => {
  await app?.close();
});

/** The scenario on screen, as the JSON view shows it. */
async function scenario(page) {
  return JSON.parse(await builder(page).getByTestId('builder-json').inputValue());
}

test('each refused value is named beside its field and the scenario stays as it was', async () => {
  const { page } = app;
  await pause(page);
  await add(page, 'Kafka', 'Add topic');
  await set(page, 'partitions', '0');
  assert.equal(await problemBeside(page, 'partitions'), 'must be 1..=1024, got 0');
  assert.equal(await field(page, 'partitions').getAttribute('aria-invalid'), 'true');
  assert.equal((await scenario(page)).kafka.topics[0].partitions, 3, 'the topic keeps its 3 partitions');

  await add(page, 'Kafka', 'Add topic');
  await set(page, 'name', 'topic');
  assert.match(await problemBeside(page, 'name'), /"topic" is used twice/);
  assert.deepEqual((await scenario(page)).kafka.topics.map((t) => t.name), ['topic', 'topic-2']);

  await add(page, 'RabbitMQ', 'Add exchange');
  await add(page, 'RabbitMQ', 'Add queue');
  await add(page, 'RabbitMQ', 'Add binding');
  await set(page, 'destination', 'nowhere');
  assert.equal(await problemBeside(page, 'destination'), 'no queue named "nowhere"');
  assert.equal((await scenario(page)).rabbit.bindings[0].destination, 'queue');

  await add(page, 'RabbitMQ', 'Add publisher');
  await set(page, 'messages per second', '100000');
  assert.match(await problemBeside(page, 'messages per second'), /at most 10000/);
  await set(page, 'messages per second', 'fast');
  assert.equal(await problemBeside(page, 'messages per second'), 'must be a number, got "fast"');
  assert.equal((await scenario(page)).rabbit.publishers[0].rate_per_sec, 1);
  await screenshot(page, 'builder-bad-input');

  // Malformed JSON: named by line and column; nothing changes.
  await builder(page).getByText('JSON', { exact: true }).click();
  const json = builder(page).getByTestId('builder-json');
  const good = await json.inputValue();
  await json.fill(good.replace('"seed": 1,', '"seed": 1,,'));
  await json.press('Tab');
  assert.match(await builder(page).getByTestId('builder-problems').textContent(), /line 4, column \d+: key must be a string/);
  assert.deepEqual(await page.$$eval('[data-testid="queue"]', (qs) => qs.map((q) => q.dataset.name)), ['queue'], 'the picture stays');
  // A value validation refuses: named by its path, line and column.
  await json.fill(good.replace('"partitions": 3', '"partitions": 0'));
  await json.press('Tab');
  const line = good.split('\n').findIndex((l) => l.includes('"partitions": 3')) + 1;
  assert.match(await builder(page).getByTestId('builder-problems').textContent(),
    new RegExp(`kafka\\.topics\\[0\\]\\.partitions: line ${line}, column \\d+: must be 1\\.\\.=1024, got 0`));
  // (The view keeps the text as typed, beside its problem; the picture
  // shows the scenario, unchanged: two topics of three partitions.)
  assert.equal((await page.$$('[data-testid="partition"]')).length, 6);

  // Undo still works: the publisher goes, then the binding; redo brings the
  // binding back.
  await builder(page).getByRole('button', { name: 'Undo', exact: true }).click();
  assert.equal((await scenario(page)).rabbit.publishers, undefined);
  await page.keyboard.press('Control+z');
  assert.equal((await scenario(page)).rabbit.bindings, undefined);
  await page.keyboard.press('Control+Shift+z');
  assert.equal((await scenario(page)).rabbit.bindings.length, 1);
  assert.deepEqual(app.problems, []);
});

test('what was being built comes back after a reload, until another scenario is started', async () => {
  const { page } = app;
  await select(page, 'queue "queue"');
  await set(page, 'name', 'kept');
  await set(page, 'x-message-ttl', '5000');
  assert.ok(await builder(page).getByTestId('unsaved').isVisible());
  await page.reload();
  await page.waitForSelector('[data-testid="builder"]');
  const queues = (await scenario(page)).rabbit.queues;
  assert.deepEqual(queues, [{ name: 'kept', arguments: { 'x-message-ttl': 5000 } }]);
  assert.match(await page.textContent('[data-testid="notice"]'), /Brought back/);
  assert.ok(await builder(page).getByTestId('unsaved').isVisible(), 'still unsaved');

  // Starting another asks first; cancelled, the work stays.
  const startAnother = async (answer) => {
    await page.click('[data-testid="file-menu"]');
    page.once('dialog', (dialog) => (answer ? dialog.accept() : dialog.dismiss()));
    await page.getByRole('button', { name: 'New RabbitMQ scenario', exact: true }).click();
  };
  await startAnother(false);
  assert.deepEqual((await scenario(page)).rabbit.queues.map((q) => q.name), ['kept'], 'kept after Cancel');
  await startAnother(true);
  assert.equal((await scenario(page)).rabbit, undefined, 'a new blank');
  await page.reload();
  await page.waitForSelector('[data-testid="builder"]');
  assert.equal((await scenario(page)).name, 'New RabbitMQ scenario');
  assert.equal((await scenario(page)).rabbit, undefined, 'the old draft stays gone');
  assert.deepEqual(app.problems, []);
});

test('a scenario too large for a link says so, names the limit, and saves as a file instead', async () => {
  const { page } = app;
  // Three producers of a thousand random keys each: ~370 kB of JSON that
  // does not compress, past the 262 144 characters a link may have.
  const keys = () => Array.from({ length: 1000 }, () => randomBytes(90).toString('base64'));
  const huge = {
    version: 1, name: 'Too large to share', seed: 1,
    kafka: {
      topics: [{ name: 'orders', partitions: 1 }],
      producers: [1, 2, 3].map((n) => ({ name: `p${n}`, topic: 'orders', rate_per_sec: 1, keys: keys() })),
    },
  };
  await builder(page).getByText('JSON', { exact: true }).click();
  const json = builder(page).getByTestId('builder-json');
  if (!(await json.isVisible())) await builder(page).getByText('JSON', { exact: true }).click();
  // Pasted (Playwright's fill types this much text too slowly).
  await json.evaluate((el, text) => {
    el.value = text;
    el.dispatchEvent(new Event('input', { bubbles: true }));
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, JSON.stringify(huge, null, 2));
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="producer"]').length === 3);
  const address = page.url();
  await page.click('[data-testid="share"]');
  assert.match(await page.textContent('[data-testid="notice"]'),
    /^This scenario is too large for a link: it would take \d+ characters, and a link may have at most 262144\. Save it as a file instead/);
  assert.equal(page.url(), address, 'no link was made');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="save-instead"]')]);
  assert.equal(download.suggestedFilename(), 'too-large-to-share.json');
  await screenshot(page, 'builder-too-large');
  assert.deepEqual(app.problems, []);
});
