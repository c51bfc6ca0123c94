// Breaking things by hand: click a broker or a consumer, read about it in
// the inspector, and use its buttons. A killed broker loses its leadership
// once ZooKeeper's session expires; a crashed consumer's partitions move
// to the survivor after the session timeout, which re-reads what the dead
// member had processed but not committed; a crashed RabbitMQ consumer's
// deliveries go back to the queue. Each click is written into the
// scenario, so a link replays it: mqsim run on the link agrees.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, screenshot, mqsimRun, clockMs, scrubTo, pause, fact, act, leaders } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

test('a broker killed by a click loses its leadership to an election', async () => {
  const { page } = app;
  await pickPreset(page, 'leader-failover');
  await pause(page);
  await scrubTo(page, 1_000);
  const before = await leaders(page);
  const led = Object.entries(before).filter(([, b]) => b === 0).map(([p]) => p);
  assert.ok(led.length > 0, 'broker 0 leads something at 1 s');

  await page.click('[data-testid="broker"][data-broker="0"]');
  assert.equal(await page.textContent('[data-testid="inspector-title"]'), 'Broker 0');
  assert.match(await fact(page, 'Leads'), /orders-/);
  await act(page, 'Kill');
  assert.equal(await clockMs(page), 1_000, 'the kill happens at the moment shown');
  assert.equal(await fact(page, 'Status'), 'dead');
  assert.ok(await page.$('[data-testid="inspector-action"][data-action="Restart"]'), 'a dead broker offers a restart');

  // ZooKeeper's session (6 s in this preset) expires; the controller moves
  // leadership. The preset's own kill of broker 1 comes at 10 s.
  await scrubTo(page, 9_000);
  const after = await leaders(page);
  for (const partition of led) {
    assert.notEqual(after[partition], 0, `${partition} has a new leader`);
    assert.ok(after[partition] !== undefined, `${partition} is not offline`);
  }
  assert.ok(Number(await page.getAttribute('[data-testid="zookeeper"]', 'data-elections')) > 0);
  await screenshot(page, 'intervention-broker-kill');

  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s=2.'));
  const native = mqsimRun(page.url());
  assert.equal(native.kafka.at_ms, 9_000);
  assert.ok(native.kafka.cluster.dead_brokers.includes(0), 'the link carries the kill');
  for (const p of native.kafka.topics[0].partitions) {
    assert.equal(after[`orders·P${p.partition}`], p.leader, `partition ${p.partition}: the page and mqsim agree`);
  }
  assert.deepEqual(app.problems, []);
});

test('a consumer crashed from the keyboard is replaced after its session times out', async () => {
  const { page } = app;
  await pickPreset(page, 'order-notifications');
  await pause(page);
  // A moment when notifier-1 is part-way through a batch: what it has
  // processed of it is not committed yet.
  const member = '[data-testid="consumer"][data-name="notifier-1"]';
  let at = 6_000;
  for (let before = 0; at < 20_000; at += 100) {
    await scrubTo(page, at);
    const batch = await page.$$eval(`${member} .inbox`, (c) => c.length);
    if (batch > 0 && batch < before) break;
    before = batch;
  }
  assert.ok(at < 20_000, 'notifier-1 was part-way through a batch');
  const generation = Number(await page.getAttribute('[data-testid="group"]', 'data-generation'));

  await page.focus(`${member} [role="button"]`);
  await page.keyboard.press('Enter');
  assert.equal(await page.textContent('[data-testid="inspector-title"]'), 'Consumer notifier-1');
  await page.focus('[data-testid="inspector-action"][data-action="Crash"]');
  await page.keyboard.press('Enter');
  assert.equal(await fact(page, 'Status'), 'crashed');
  assert.equal(await page.getAttribute(member, 'data-status'), '✕ crashed');

  // session.timeout.ms is 45 s: the coordinator notices and rebalances;
  // notifier-2 hears of it from its next heartbeat (within 3 s), rejoins,
  // and reads again from the last commit.
  await scrubTo(page, at + 55_000);
  assert.ok(Number(await page.getAttribute('[data-testid="group"]', 'data-generation')) > generation, 'the group rebalanced');
  const survivor = '[data-testid="consumer"][data-name="notifier-2"]';
  assert.ok(Number(await page.getAttribute(survivor, 'data-duplicates')) > 0,
    'the survivor processed again what notifier-1 had not committed');
  await page.click(survivor);
  assert.equal(await fact(page, 'Owns'), 'orders-0, orders-1, orders-2');
  await screenshot(page, 'intervention-consumer-crash');

  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s=2.'));
  const native = mqsimRun(page.url());
  const group = native.kafka.groups[0];
  assert.equal(group.members[0].running, false, 'the link carries the crash');
  assert.equal(group.members[1].duplicates, Number(await page.getAttribute(survivor, 'data-duplicates')));
  assert.deepEqual(app.problems, []);
});

test('a RabbitMQ consumer crashed by a click has its deliveries requeued', async () => {
  const { page } = app;
  await pickPreset(page, 'rabbit-retry-dead-letter');
  await pause(page);
  const consumer = '[data-testid="rabbit-consumer"][data-name="payment-service"]';
  let at = 1_000;
  for (; at < 20_000; at += 50) {
    await scrubTo(page, at);
    if (Number(await page.getAttribute(consumer, 'data-held')) > 0) break;
  }
  const queue = '[data-testid="queue"][data-name="payments"]';
  const held = Number(await page.getAttribute(consumer, 'data-held'));
  const ready = Number(await page.getAttribute(queue, 'data-ready'));
  assert.ok(held > 0, 'payment-service holds unacknowledged deliveries');

  await page.click(consumer);
  await act(page, 'Crash');
  assert.equal(await page.getAttribute(consumer, 'data-status'), '✕ crashed');
  assert.equal(await page.getAttribute(queue, 'data-unacked'), '0');
  assert.ok(Number(await page.getAttribute(queue, 'data-ready')) >= ready + held, 'what it held is ready again');

  await act(page, 'Restart');
  await scrubTo(page, at + 5_000);
  assert.equal(await page.getAttribute(consumer, 'data-status'), 'running');
  assert.ok(Number(await page.getAttribute(consumer, 'data-acked')) > 0);
  await screenshot(page, 'intervention-rabbit-crash');
  assert.deepEqual(app.problems, []);
});

test('a poison record sent by hand is retried, then dead-lettered', async () => {
  const { page } = app;
  await pickPreset(page, 'retry-dead-letter');
  await pause(page);
  await scrubTo(page, 3_000);
  const dlt = '[data-testid="partition"]:has(text:text("orders.DLT"))';
  const before = Number(await page.getAttribute(dlt, 'data-log-end'));

  await page.click('[data-testid="producer"][data-name="checkout"]');
  assert.equal(await page.textContent('[data-testid="inspector-title"]'), 'Producer checkout');
  await page.fill('[data-testid="send-key"]', 'bob');
  await page.fill('[data-testid="send-value"]', 'malformed {');
  await page.fill('[data-testid="send-headers"]', 'trace-id=42');
  await page.click('[data-testid="send-poison"]');
  assert.match(await page.textContent('[data-testid="notice"]'), /^Sent poison: Producer checkout, at 3\.000s/);

  await scrubTo(page, 12_000);
  assert.ok(Number(await page.getAttribute(dlt, 'data-log-end')) > before, 'the dead-letter topic grew');
  await page.fill('[data-testid="log-search"]', 'poison record');
  const lines = await page.$$eval('[data-testid="log-line"]', (li) => li.map((l) => l.textContent));
  assert.ok(lines.some((l) => /gave up on orders-\d offset \d+: sent to dead-letter topic orders\.DLT-0/.test(l))
    || lines.some((l) => /attempt 3: poison record/.test(l)), lines.join('\n'));
  await page.fill('[data-testid="log-search"]', '');

  // Headers that are not name=value are refused, naming the mistake.
  await page.click('[data-testid="producer"][data-name="checkout"]');
  await page.fill('[data-testid="send-headers"]', 'trace-id');
  await page.click('[data-testid="send"]');
  assert.match(await page.textContent('[data-testid="send-form"] [role="alert"]'), /"trace-id" is not name=value/);
  await screenshot(page, 'intervention-poison');
  assert.deepEqual(app.problems, []);
});

test('a consumer slowed down falls behind', async () => {
  const { page } = app;
  await pickPreset(page, 'order-notifications');
  await pause(page);
  await scrubTo(page, 5_000);
  await page.click('[data-testid="consumer"][data-name="notifier-1"]');
  await act(page, 'Slow down');
  assert.equal(await fact(page, 'Processing'), '1250 ms per record');
  assert.ok(await page.$('[data-testid="inspector-action"][data-action="Normal speed"]'));
  await scrubTo(page, 60_000);
  const lag = await page.$$eval('[data-testid="lag-row"]', (rows) => rows.map((r) => Number(r.dataset.logEnd) - Number(r.dataset.committed)));
  assert.ok(Math.max(...lag) > 20, `lag grew: ${lag}`);
  assert.deepEqual(app.problems, []);
});

test('a producer added on a partition sends until it is stopped', async () => {
  const { page } = app;
  await pickPreset(page, 'order-notifications');
  await pause(page);
  await scrubTo(page, 3_000);
  await page.click('[data-testid="partition"][data-partition="0"] [data-testid="partition-label"]');
  await act(page, 'Add a producer');
  const added = '[data-testid="producer"][data-name="producer-2"]';
  assert.equal(await page.getAttribute(added, 'data-status'), 'sending', 'it starts at the moment shown');
  await scrubTo(page, 8_000);
  assert.equal(await page.getAttribute(added, 'data-status'), 'sending');
  await page.click(added);
  assert.ok(Number(await fact(page, 'Sent')) >= 8, 'two a second');
  await act(page, 'Stop');
  const sent = Number(await fact(page, 'Sent'));
  await scrubTo(page, 15_000);
  assert.equal(await page.getAttribute(added, 'data-status'), 'stopped');
  assert.equal(Number(await fact(page, 'Sent')), sent, 'nothing sent after it stopped');
  await screenshot(page, 'intervention-producers');
  assert.deepEqual(app.problems, []);
});

test('a consumer added to a group joins and takes a share', async () => {
  const { page } = app;
  await pickPreset(page, 'order-notifications');
  await pause(page);
  await scrubTo(page, 6_000);
  await page.click('[data-testid="consumer"][data-name="notifier-1"]');
  await act(page, 'Add a consumer');
  await scrubTo(page, 12_000);
  const added = '[data-testid="consumer"][data-name="notifier-3"]';
  assert.equal(await page.getAttribute(added, 'data-status'), 'running');
  await page.click(added);
  assert.match(await fact(page, 'Owns'), /^orders-\d$/, 'one partition each, three members');
  assert.deepEqual(app.problems, []);
});
