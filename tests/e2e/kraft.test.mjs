// A Kafka cluster in KRaft mode, opened as a scenario file: the picture
// draws the controller quorum where ZooKeeper would be, with its active
// controller and epoch; when the active controller dies another is
// elected, and a broker that dies is fenced and loses its leaderships.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, openScenario, screenshot, scrubTo, pause, leaders, act, fact } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

const SCENARIO = {
  version: 1,
  name: 'KRaft failover',
  seed: 5,
  duration_ms: 40000,
  kafka: {
    cluster: { brokers: 3, metadata: { mode: 'kraft' } },
    topics: [{ name: 'orders', partitions: 3, replication_factor: 3 }],
    producers: [{ name: 'checkout', topic: 'orders', rate_per_sec: 5, keys: ['a', 'b', 'c'] }],
  },
  timeline: [
    { at_ms: 5000, do: 'controller_kill', controller: 100 },
    { at_ms: 6000, do: 'broker_kill', broker: 0 },
  ],
};

test('the quorum is drawn in ZooKeeper\'s place, elects a new active controller, and fences a dead broker', async () => {
  const { page } = app;
  await openScenario(page, SCENARIO, 'kraft-failover.json');
  await pause(page);
  await scrubTo(page, 1000);
  const quorum = page.locator('[data-testid="quorum"]');
  assert.equal(await quorum.getAttribute('data-active'), '100');
  assert.equal(await quorum.getAttribute('data-epoch'), '1');
  assert.equal(await page.locator('[data-testid="zookeeper"]').count(), 0, 'no ZooKeeper');
  const before = await leaders(page);

  // The active controller dies at 5 s: another is elected within seconds.
  await scrubTo(page, 12000);
  const active = await quorum.getAttribute('data-active');
  assert.ok(['101', '102'].includes(active), `active controller ${active}`);
  assert.ok(Number(await quorum.getAttribute('data-epoch')) > 1);
  // Broker 0 died at 6 s; the new controller fences it a session (9 s)
  // after it took over. By 30 s, nothing is led by broker 0.
  await scrubTo(page, 30000);
  const after = await leaders(page);
  assert.ok(Object.values(before).includes(0), `broker 0 led something: ${JSON.stringify(before)}`);
  assert.ok(!Object.values(after).includes(0), `leaders now ${JSON.stringify(after)}`);
  assert.equal(await page.getAttribute('[data-testid="broker"][data-broker="0"]', 'data-status'), '✕ dead');
  assert.match(await quorum.locator(':scope > title').textContent(), /2 of 3 brokers unfenced/);

  // Each voter shows its copy of the metadata log; the live ones have
  // the committed records, the dead one stopped when it died, and every
  // live broker has read the log nearly as far as it is committed.
  const voters = await page.$$eval('[data-testid="voter"]', (vs) =>
    vs.map((v) => ({
      id: v.dataset.controller,
      status: v.dataset.status,
      end: Number(v.dataset.logEnd),
      hw: Number(v.dataset.highWatermark),
    })),
  );
  assert.deepEqual(voters.map((v) => v.id), ['100', '101', '102']);
  assert.equal(voters[0].status, 'dead');
  const leader = voters.find((v) => v.status === 'active');
  assert.ok(leader.hw > 40 && leader.hw <= leader.end, JSON.stringify(voters));
  assert.ok(voters[0].end < leader.hw, 'the dead voter fell behind');
  for (const id of ['1', '2']) {
    const read = Number(await page.getAttribute(`[data-testid="broker"][data-broker="${id}"]`, 'data-metadata-offset'));
    assert.ok(read + 3 >= leader.hw && read <= leader.hw, `broker ${id} read to ${read}, committed ${leader.hw}`);
  }

  // The metadata log is drawn like a partition: its newest records, the
  // committed ones left of the high watermark; a record explains itself.
  const records = page.locator('[data-testid="metadata-record"]');
  assert.ok((await records.count()) > 10);
  const hw = Number(await page.getAttribute('[data-testid="metadata-log"]', 'data-high-watermark'));
  assert.equal(hw, leader.hw);
  const last = Number(await records.last().getAttribute('data-offset'));
  assert.equal(last + 1, leader.end);
  await records.last().click();
  assert.equal(await page.textContent('[data-testid="inspector-title"]'), `Metadata record ${last}`);
  assert.match(await fact(page, 'Means'), /./);
  assert.match(await fact(page, 'Held by'), /controller/);

  // The inspector explains a voter and acts on it: restart the dead one.
  await page.click('[data-testid="voter"][data-controller="100"]');
  assert.equal(await page.textContent('[data-testid="inspector-title"]'), 'Controller 100');
  assert.match(await page.textContent('[data-testid="inspector"]'), /dead: it neither votes nor copies the log/);
  await act(page, 'Restart');
  await scrubTo(page, 36000);
  assert.notEqual(
    await page.getAttribute('[data-testid="voter"][data-controller="100"]', 'data-status'),
    'dead',
  );
  // A controlled shutdown from the inspector: broker 2's leaderships move
  // first, then it stops (not dies), leading nothing.
  await scrubTo(page, 36000);
  const led = await leaders(page);
  assert.ok(Object.values(led).includes(2), `broker 2 leads something: ${JSON.stringify(led)}`);
  await page.click('[data-testid="broker"][data-broker="2"]');
  await act(page, 'Shut down');
  await scrubTo(page, 38000);
  assert.equal(await page.getAttribute('[data-testid="broker"][data-broker="2"]', 'data-status'), '✕ stopped');
  assert.ok(!Object.values(await leaders(page)).includes(2), 'its leaderships moved');
  assert.equal(await fact(page, 'Status'), 'stopped after a controlled shutdown');
  await screenshot(page, 'kraft-failover');
  assert.deepEqual(app.problems, []);
});
