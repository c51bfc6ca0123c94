// A live run's recording, opened in the page: amqplib, the Node client,
// talks to `mqsim serve`; the recording it leaves replays in the browser to
// the queue depths the client saw. Long enough (a couple of thousand
// entries, one per message and acknowledgement) that the builder lists it
// a page at a time.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { serveLive } from './live.mjs';
import { openApp, openScenario, screenshot, scrubTo, pause, builder } from './harness.mjs';

let live;
let recordingPath;
before(async () => {
  recordingPath = join(await mkdtemp(join(tmpdir(), 'mq-live-')), 'live.json');
  live = await serveLive(['--record', recordingPath]);
});
after(async () => {
  await live?.stop();
});

test('amqplib publishes, consumes and acknowledges; the recording replays in the page to the same depths', async () => {
  const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${live.amqpPort}`);
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue('work');
  await channel.assertQueue('audit', { arguments: { 'x-message-ttl': 3_600_000 } });
  for (let n = 0; n < 900; n++) {
    channel.sendToQueue('work', Buffer.from(`job ${n}`));
    if (n % 3 === 0) channel.sendToQueue('audit', Buffer.from(`log ${n}`), { contentType: 'text/plain' });
  }
  await channel.waitForConfirms();

  // One consumer, 50 at a time: it acknowledges 600 and keeps the next 50.
  await channel.prefetch(50);
  const got = [];
  let allAcked;
  const acked600 = new Promise((done) => { allAcked = done; });
  await channel.consume('work', (message) => {
    got.push(message.content.toString());
    if (got.length <= 600) channel.ack(message);
    if (got.length === 600) allAcked();
  });
  await acked600;
  // The 50 the prefetch lets through after the 600th acknowledgement.
  for (let wait = 0; got.length < 650 && wait < 100; wait++) await new Promise((done) => setTimeout(done, 50));
  assert.equal(got.length, 650);
  assert.deepEqual(got.slice(0, 3), ['job 0', 'job 1', 'job 2'], 'in the order published');
  const side = await connection.createChannel();
  const work = await side.checkQueue('work');
  const audit = await side.checkQueue('audit');
  assert.deepEqual([work.messageCount, audit.messageCount], [250, 300], 'ready as the client sees them');
  await connection.close();

  // The server writes what its file is behind when it stops.
  const log = await live.stop();
  assert.doesNotMatch(log, /panicked/);
  const recording = JSON.parse(await readFile(recordingPath, 'utf8'));
  const done = recording.timeline.map((entry) => entry.do);
  assert.equal(done.filter((d) => d === 'rabbit_publish').length, 1_200);
  assert.equal(done.filter((d) => d === 'rabbit_ack').length, 600);
  assert.ok(recording.timeline.length > 1_000, 'longer than a file written by hand may be');

  const app = await openApp({ ready: '[data-testid="scenario-name"]' });
  try {
    const { page } = app;
    await pause(page);
    await openScenario(page, recording, 'live.json');
    const last = recording.timeline.at(-1).at_ms;
    await scrubTo(page, last + 500);
    // The consumer's connection closed at the end, so its 50 are back in
    // the queue: 250 + 50 ready, none unacknowledged, no consumer.
    const row = (name) => page.locator(`[data-testid="queue-row"][data-name="${name}"] td`);
    await page.waitForFunction(() => document.querySelector('[data-testid="queue-row"][data-name="work"]'));
    assert.deepEqual(await row('work').allTextContents(), ['work', 'classic', '300', '0', '0']);
    assert.deepEqual(await row('audit').allTextContents(), ['audit', 'classic', '300', '0', '0']);
    // Its three Kafka brokers have no topics: no cluster to chart.
    assert.equal(await page.getByText('In-sync replicas (all partitions)').count(), 0);
    await screenshot(page, 'live-recording-replayed');

    // The builder lists the timeline a page at a time, the latest first.
    await page.click('[data-testid="build"]');
    const list = builder(page).locator('details.timeline');
    await list.locator('summary').click();
    const total = recording.timeline.length;
    const pages = builder(page).getByTestId('timeline-pages');
    const firstShown = Math.floor((total - 1) / 200) * 200 + 1;
    assert.equal(await pages.locator('span').textContent(), `Entries ${firstShown}–${total} of ${total}`);
    assert.equal(await list.locator('li').count(), total - firstShown + 1);
    await pages.getByRole('button', { name: 'Earlier' }).click();
    assert.equal(await pages.locator('span').textContent(), `Entries ${firstShown - 200}–${firstShown - 1} of ${total}`);
    assert.equal(await list.locator('li').count(), 200);
    await screenshot(page, 'live-recording-timeline');
    await pages.getByRole('button', { name: 'Latest' }).click();
    assert.equal(await pages.locator('span').textContent(), `Entries ${firstShown}–${total} of ${total}`);
    assert.deepEqual(app.problems, []);
  } finally {
    await app.close();
  }
});
