// Two things a new user tries early: a RabbitMQ message whose headers hold
// a table and an array (as x-death does), sent by hand through the send
// form; and a Kafka group subscribed to a topic that does not exist yet,
// which the page warns about and which the group takes up once the topic
// is created.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, openApp, pickPreset, screenshot, scrubTo, pause, fact } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

const logLines = (page) =>
  page.$$eval('[data-testid="log-line"]', (li) => li.map((l) => l.textContent));

test('a message sent with nested headers is routed by them and shown typed', async () => {
  const { page } = app;
  await pickPreset(page, 'headers-exchange');
  await pause(page);
  await scrubTo(page, 5_000);
  await page.click('[data-testid="publisher"][data-name="us-billing"]');
  // JSON, so that values keep their types: a table holding an array.
  await page.fill(
    '[data-testid="send-headers"]',
    '{"region": "eu", "type": "invoice", "route": {"hops": [1, 2.5], "via": "fra"}}',
  );
  await page.click('[data-testid="send"]');
  assert.match(await page.textContent('[data-testid="notice"]'), /^Sent: Publisher us-billing, at 5\.000s/);

  await scrubTo(page, 5_400);
  await page.fill('[data-testid="log-search"]', 'route: {');
  const published = await logLines(page);
  assert.ok(
    published.some((l) =>
      l.includes('us-billing published with routing key  and headers {region: "eu", ' +
        'route: {hops: [1, 2.5], via: "fra"}, type: "invoice"} to exchange reports')),
    published.join('\n'),
  );
  // region=eu and type=invoice: x-match all and x-match any both let it in.
  await page.fill('[data-testid="log-search"]', 'routed');
  const routed = await logLines(page);
  assert.ok(routed.some((l) => /routed it to queue eu-invoices.*queue eu-or-urgent|queue eu-or-urgent.*queue eu-invoices/.test(l)),
    routed.join('\n'));
  await page.fill('[data-testid="log-search"]', '');

  // The inspector shows the message's headers with their types.
  let shown = null;
  for (const message of await page.$$('[data-message]')) {
    await message.click();
    const headers = await page.$('[data-testid="inspector"] dd[data-fact="Headers"]');
    const text = headers ? await headers.textContent() : '';
    if (text.includes('route:')) {
      shown = text;
      break;
    }
  }
  assert.equal(shown, 'region: "eu", route: {hops: [1, 2.5], via: "fra"}, type: "invoice"');
  await screenshot(page, 'headers-nested');

  // A header value that is not JSON is refused, naming what is wrong.
  await page.click('[data-testid="publisher"][data-name="us-billing"]');
  await page.fill('[data-testid="send-headers"]', '{"route": {"hops": [1, }');
  await page.click('[data-testid="send"]');
  assert.match(await page.textContent('[data-testid="send-form"] [role="alert"]'),
    /^headers: not a JSON object of header values/);
  assert.deepEqual(app.problems, []);
});

test('a group subscribed to a missing topic is warned about and takes it up once created', async () => {
  const { page } = app;
  const file = JSON.parse(await readFile(join(REPO, 'crates/mqsim/presets/order-notifications.json'), 'utf8'));
  delete file.preset;
  delete file.narration;
  file.name = 'Returns arrive later';
  file.kafka.groups[0].topics = ['orders', 'returns'];
  file.kafka.groups.push({ name: 'audit', topics: ['orders', 'gone'], members: [{ name: 'auditor' }] });
  file.timeline = [
    { at_ms: 6000, do: 'topic_create', topic: { name: 'returns', partitions: 2 } },
    { at_ms: 6000, do: 'producer_add', producer: { name: 'desk', topic: 'returns', rate_per_sec: 2, keys: ['r1', 'r2'] } },
  ];
  const dir = await mkdtemp(join(tmpdir(), 'mq-playground-topics-'));
  const path = join(dir, 'returns.json');
  await writeFile(path, JSON.stringify(file));
  await page.setInputFiles('[data-testid="open-file"]', path);
  await page.waitForFunction(() => document.querySelector('[data-testid="notice"]')?.textContent.startsWith('Opened'));
  const notice = await page.textContent('[data-testid="notice"]');
  assert.match(notice, /^Opened returns\.json: Returns arrive later\. Warning: kafka\.groups\[1\]\.topics\[1\]: no topic named "gone"/);
  assert.ok(!notice.includes('"returns"'), 'a topic the timeline creates is not warned about');
  await pause(page);

  const returns = '[data-testid="partition"]:has(text:text("returns"))';
  await scrubTo(page, 5_000);
  assert.equal((await page.$$(returns)).length, 0, 'no strip before the topic exists');
  await page.click('[data-testid="consumer"][data-name="notifier-1"]');
  assert.equal(await fact(page, 'Subscribes to'), 'orders, returns (not created yet)');
  await scrubTo(page, 15_000);
  assert.equal((await page.$$(returns)).length, 2, 'both partitions drawn once created');
  assert.ok(Number(await page.getAttribute(`${returns} >> nth=0`, 'data-log-end'))
    + Number(await page.getAttribute(`${returns} >> nth=1`, 'data-log-end')) > 0, 'the desk writes to it');

  const owns = [];
  for (const name of ['notifier-1', 'notifier-2']) {
    await page.click(`[data-testid="consumer"][data-name="${name}"]`);
    owns.push(await fact(page, 'Owns'));
  }
  assert.ok(owns.join(' ').includes('returns-0') && owns.join(' ').includes('returns-1'), owns.join(' | '));
  await page.fill('[data-testid="log-search"]', 'metadata now has returns');
  assert.equal((await logLines(page)).length, 1, 'the group rebalances once for it');
  await page.fill('[data-testid="log-search"]', '');
  await page.click('[data-testid="consumer"][data-name="auditor"]');
  assert.equal(await fact(page, 'Subscribes to'), 'orders, gone (no such topic)');
  assert.match(await fact(page, 'Owns'), /^orders-0, orders-1, orders-2$/);
  await screenshot(page, 'topic-created-later');
  assert.deepEqual(app.problems, []);
});
