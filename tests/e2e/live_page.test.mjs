// The page following a live run: `mqsim serve --http` serves the page,
// which follows what real clients do as they do it. amqplib publishes and
// consumes while the page shows the queue fill and drain; kafkajs creates
// a topic, produces to it and reads it in a consumer group, the page
// showing the records land and the group's offsets; two kafka-python
// consumers share a group and two librdkafka ones another on the consumer
// protocol (KIP-848), the page showing who owns which partition; a
// group's coordinator is killed by a click and its member goes on
// committing to the new one; librdkafka
// (confluent-kafka, from Python) produces with acks=all while the test
// kills the partition's leader by a click in the page, and no acknowledged
// record is lost. The page saves the live run, rewinds into the recording
// and comes back to live; when the server stops, or the setup is changed,
// it stops following and keeps the recording.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import amqp from 'amqplib';
import { Kafka, logLevel } from 'kafkajs';
import { serveLive } from './live.mjs';
import { REPO, openUrl, screenshot, scrubTo, act, leaders, builder, add } from './harness.mjs';

const PYTHON = join(REPO, '.tools', 'venv', 'bin', 'python');
const banner = '[data-testid="live-banner"]';
const following = `${banner}[data-live="following"]`;

/**
 * One member of `group` reading `orders`, in a process of its own
 * (tests/live/group_member.py): `kafka-python` on the classic protocol, or
 * `librdkafka` on the consumer protocol. `assigned` is the partitions it
 * last said it owns; `stop` closes it (it leaves the group).
 */
function groupMember(bootstrap, group, clientId, client) {
  const child = spawn(PYTHON, [join(REPO, 'tests', 'live', 'group_member.py'), bootstrap, 'orders', group, clientId, client],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  const member = { assigned: null, stderr: '' };
  createInterface({ input: child.stdout }).on('line', (line) => { member.assigned = JSON.parse(line).assigned; });
  child.stderr.on('data', (chunk) => { member.stderr += chunk; });
  member.stop = () => new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.once('exit', done);
    child.stdin.end();
  });
  member.kill = () => child.kill();
  return member;
}

/** Waits until `holds()`, checking every 50 ms, for at most `ms`. */
async function until(holds, ms, what) {
  const start = Date.now();
  while (!holds()) {
    if (Date.now() - start > ms) throw new Error(`not in ${ms} ms: ${what()}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

/**
 * Waits until the page's offsets table shows `group` with each partition
 * owned as `owners` has it (client id → partitions; the run names a
 * member after its client) and committed to its end.
 */
function pageShows(page, group, owners, timeout = 20_000) {
  const owner = Object.fromEntries(Object.entries(owners).flatMap(([client, ps]) => ps.map((p) => [p, `${client}-`])));
  return page.waitForFunction(([group, owner]) => {
    const rows = [...document.querySelectorAll(`[data-testid="lag-row"][data-group="${group}"]`)];
    return rows.length === Object.keys(owner).length && rows.every((r) => r.dataset.committed === r.dataset.logEnd
      && r.querySelector('td:last-child').textContent.startsWith(owner[r.dataset.partition]));
  }, [group, owner], { timeout });
}

/** Waits until the page's queue table shows `ready` messages in `queue`. */
function waitForReady(page, queue, ready, timeout = 10_000) {
  return page.waitForFunction(
    ([queue, ready]) => document.querySelector(`[data-testid="queue-row"][data-name="${queue}"]`)?.dataset.ready === String(ready),
    [queue, ready],
    { polling: 'raf', timeout },
  );
}

test('the page follows amqplib as it publishes and consumes; it saves the live run, rewinds and comes back', async () => {
  const recordingPath = join(await mkdtemp(join(tmpdir(), 'mq-live-page-')), 'live.json');
  const live = await serveLive(['--record', recordingPath]);
  let app;
  let phone;
  let connection;
  try {
    app = await openUrl(live.pageUrl, { ready: following });
    phone = await openUrl(live.pageUrl, { width: 390, height: 844, touch: true, ready: following });
    const { page } = app;
    assert.equal(await page.getAttribute(banner, 'data-connections'), '0');
    assert.equal(await page.textContent('[data-testid="scenario-name"]'), 'Live run');

    connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${live.amqpPort}`);
    const channel = await connection.createConfirmChannel();
    await channel.assertExchange('orders', 'topic');
    await channel.assertQueue('eu');
    await channel.bindQueue('eu', 'orders', 'eu.*');
    for (let n = 0; n < 40; n++) channel.publish('orders', 'eu.paris', Buffer.from(`order ${n}`));
    await channel.waitForConfirms();
    await waitForReady(page, 'eu', 40);
    await page.waitForSelector(`${banner}[data-connections="1"]`);

    // From a confirmed publish to the page showing it: the run's 20 ms
    // network, the news every 40 ms and the page's 120 ms behind the run.
    const sent = Date.now();
    channel.publish('orders', 'eu.lyon', Buffer.from('order 40'));
    await channel.waitForConfirms();
    await waitForReady(page, 'eu', 41);
    console.log(`publish → page showing it: ${Date.now() - sent} ms`);
    await waitForReady(phone.page, 'eu', 41);
    await screenshot(page, 'live-page-published');
    await screenshot(phone.page, 'live-page-published-phone');

    // A consumer drains the queue as the page watches.
    await channel.prefetch(5);
    let got = 0;
    await channel.consume('eu', (message) => {
      got += 1;
      channel.ack(message);
    });
    await waitForReady(page, 'eu', 0);
    assert.equal(got, 41);
    assert.equal(await page.textContent('[data-testid="queue-row"][data-name="eu"] td:nth-child(5)'), '1', 'one consumer');

    // Rewound, the page replays the recording; "Back to live" follows again.
    await scrubTo(page, 500);
    await page.waitForSelector(`${banner}[data-live="replaying"]`);
    assert.equal(await page.$('[data-testid="queue-row"][data-name="eu"]'), null, 'no queue declared by 0.5 s');
    await page.click('[data-testid="go-live"]');
    await page.waitForSelector(following);
    await waitForReady(page, 'eu', 0);

    // "Save this live run": the recording, as the server keeps it.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="save-live"]')]);
    const saved = JSON.parse(await readFile(await download.path(), 'utf8'));
    await connection.close();
    connection = undefined;
    const log = await live.stop();
    assert.doesNotMatch(log, /panicked/);
    const recorded = JSON.parse(await readFile(recordingPath, 'utf8'));
    const done = saved.timeline.map((e) => e.do);
    assert.equal(done.filter((d) => d === 'rabbit_publish').length, 41);
    assert.deepEqual(saved.timeline, recorded.timeline.slice(0, saved.timeline.length), 'the page has the run the server recorded');

    // The server stopped: the page says so, and what it recorded stays.
    await page.waitForSelector(`${banner}[data-live="ended"]`);
    assert.match(await page.textContent(banner), /The live run ended/);
    assert.ok(await page.$('[data-testid="queue-row"][data-name="eu"]'));
    await screenshot(page, 'live-page-ended');
    assert.deepEqual([...app.problems, ...phone.problems], []);
  } finally {
    await connection?.close().catch(() => {});
    await app?.close();
    await phone?.close();
    await live.stop();
  }
});

test('a leader killed by a click in the page while librdkafka produces with acks=all: no acknowledged record is lost', async () => {
  const live = await serveLive();
  let app;
  try {
    app = await openUrl(live.pageUrl, { ready: following });
  } catch (err) {
    await live.stop();
    throw err;
  }
  const producer = spawn(PYTHON, [join(REPO, 'tests', 'live', 'produce_across_a_kill.py'), live.bootstrap, 'payments', '8'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  producer.stderr.on('data', (chunk) => { stderr += chunk; });
  const lines = createInterface({ input: producer.stdout });
  const said = [];
  const nextLine = () => new Promise((done, failed) => {
    if (said.length) return done(said.shift());
    lines.once('line', (line) => done(line));
    producer.once('exit', () => failed(new Error(`the producer stopped: ${stderr}`)));
  });
  try {
    const { page } = app;
    assert.equal(await nextLine(), 'ready');
    // The topic, its replicas on the three brokers, and records arriving.
    await page.waitForSelector('[data-testid="replica"][data-label$="P0"][data-role="leader"]', { timeout: 10_000 });
    await page.waitForTimeout(1_500);
    const [, leader] = Object.entries(await leaders(page)).find(([label]) => label.endsWith('P0'));
    await page.click(`[data-testid="broker"][data-broker="${leader}"]`);
    await act(page, 'Kill');
    await page.waitForFunction(
      () => document.querySelector('[data-testid="inspector"] dd[data-fact="Status"]')?.textContent === 'dead',
    );
    assert.match(await page.textContent('[data-testid="notice"]'), /asked of the live run/);
    await screenshot(page, 'live-page-broker-killed');

    const result = JSON.parse(await nextLine());
    assert.deepEqual(result.failed, [], 'no record failed');
    assert.equal(result.unsent, 0);
    assert.equal(result.acked, result.sent, 'every record acknowledged');
    assert.deepEqual(result.lost, [], 'every acknowledged record read back');
    // The page saw the failover: another broker leads partition 0 now.
    await page.waitForFunction(
      (dead) => {
        const chip = document.querySelector('[data-testid="replica"][data-label$="P0"][data-role="leader"]');
        return chip && chip.closest('[data-testid="broker"]').dataset.broker !== String(dead);
      },
      leader,
      { timeout: 30_000 },
    );
    await screenshot(page, 'live-page-failover');

    // A change to the setup makes the run the user's own scenario: the
    // page stops following, says why, and keeps what it had.
    await page.click('[data-testid="build"]');
    await builder(page).getByRole('radio', { name: /Change the setup/ }).check();
    await add(page, 'Kafka', 'Add topic');
    await page.waitForSelector(`${banner}[data-live="ended"]`);
    assert.match(await page.textContent(banner), /You changed the setup, so this is a scenario of your own now/);
    assert.ok(await page.$('[data-testid="broker"][data-broker="2"]'), 'the run stays on screen');
    assert.deepEqual(app.problems, []);
  } finally {
    producer.kill();
    await app.close();
    const log = await live.stop();
    assert.doesNotMatch(log, /panicked/);
  }
});

test('kafkajs creates a topic, produces with acks=all and reads it in a group; the page shows its producer, every record and the group committed to the end', async () => {
  const live = await serveLive();
  let app;
  const kafka = new Kafka({ clientId: 'kafkajs-lab', brokers: live.bootstrap.split(','), logLevel: logLevel.NOTHING });
  try {
    app = await openUrl(live.pageUrl, { ready: following });
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: 'clicks', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true }), true);
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const messages = Array.from({ length: 30 }, (_, n) => ({ key: `user-${n % 5}`, value: `click ${n}` }));
    const sent = await producer.send({ topic: 'clicks', acks: -1, messages });
    await producer.disconnect();
    assert.ok(sent.every((r) => r.errorCode === 0), JSON.stringify(sent));

    const { page } = app;
    await page.waitForSelector('[data-testid="producer"][data-name^="kafkajs-lab"]');
    // Every record in the leaders' logs, where kafkajs's partitioner (Java's
    // murmur2) put each key.
    await page.waitForFunction(() => {
      const ends = [...document.querySelectorAll('[data-testid="partition"]')].map((p) => Number(p.dataset.logEnd));
      return ends.reduce((a, b) => a + b, 0) === 30;
    });
    const ends = await page.$$eval('[data-testid="partition"]', (ps) => Object.fromEntries(ps.map((p) => [p.dataset.partition, Number(p.dataset.logEnd)])));
    for (const r of sent) assert.ok(ends[r.partition] > Number(r.baseOffset), `partition ${r.partition} holds what kafkajs was told`);

    // A kafkajs consumer group reads them all, committing as it goes; the
    // page shows the group, its member owning the partitions, and no lag.
    const consumer = kafka.consumer({ groupId: 'readers' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'clicks', fromBeginning: true });
    let read = 0;
    const all = new Promise((finished) => consumer.run({ eachMessage: async () => { if (++read === 30) finished(); } }));
    await Promise.race([all, new Promise((_, late) => setTimeout(() => late(new Error(`read only ${read}`)), 30_000))]);
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="lag-row"][data-group="readers"]')];
      // An empty partition has nothing to commit.
      return rows.length === 3 && rows.every((r) => r.dataset.committed === r.dataset.logEnd || r.dataset.logEnd === '0');
    }, null, { timeout: 15_000 });
    const owners = await page.$$eval('[data-testid="lag-row"][data-group="readers"] td:last-child', (cells) => cells.map((c) => c.textContent));
    assert.ok(owners.every((o) => o.startsWith('kafkajs-lab')), owners.join());
    await consumer.disconnect();
    await screenshot(page, 'live-page-kafkajs');
    assert.deepEqual(app.problems, []);
  } finally {
    await app?.close();
    const log = await live.stop();
    assert.doesNotMatch(log, /panicked/);
  }
});

test('two kafka-python consumers in a group, and two librdkafka consumers on the consumer protocol: the page shows who owns what and what each group committed', async () => {
  const live = await serveLive();
  let app;
  let phone;
  const members = [];
  const kafka = new Kafka({ clientId: 'lab-admin', brokers: live.bootstrap.split(','), logLevel: logLevel.NOTHING });
  try {
    app = await openUrl(live.pageUrl, { ready: following });
    const { page } = app;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 4, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: 40 }, (_, n) => ({ key: `customer-${n}`, value: `order ${n}` })) });
    await producer.disconnect();

    // Classic: alice and bob join billing; the leader's range assignor
    // gives each two partitions.
    const billing = [groupMember(live.bootstrap, 'billing', 'alice', 'kafka-python'), groupMember(live.bootstrap, 'billing', 'bob', 'kafka-python')];
    members.push(...billing);
    const halves = (group) => () => group.every((m) => m.assigned?.length === 2);
    const said = (group) => () => JSON.stringify(group.map((m) => [m.assigned, m.stderr.slice(-300)]));
    await until(halves(billing), 30_000, said(billing));
    assert.deepEqual(billing.flatMap((m) => m.assigned).sort(), [0, 1, 2, 3]);
    // The page: each partition owned by the member its client was given
    // (named after its client id, numbered in the order they joined),
    // everything committed.
    await pageShows(page, 'billing', { alice: billing[0].assigned, bob: billing[1].assigned });
    assert.match(await page.textContent('[data-testid="consumer"][data-name^="alice-"]'), /reads in a live client/);
    await screenshot(page, 'live-page-group-of-two');

    // The consumer protocol: first and second join audit by heartbeats;
    // the run's coordinator (uniform) gives each two.
    const audit = [groupMember(live.bootstrap, 'audit', 'first', 'librdkafka'), groupMember(live.bootstrap, 'audit', 'second', 'librdkafka')];
    members.push(...audit);
    await until(halves(audit), 30_000, said(audit));
    assert.deepEqual(audit.flatMap((m) => m.assigned).sort(), [0, 1, 2, 3]);
    await pageShows(page, 'audit', { first: audit[0].assigned, second: audit[1].assigned });
    // Titled by its group epoch, as a consumer-protocol group is.
    assert.match(await page.textContent('[data-testid="group"][data-name="audit"]'), /epoch \d+/);
    await screenshot(page, 'live-page-consumer-protocol');
    // A phone joining now catches up with the run and shows the same.
    phone = await openUrl(live.pageUrl, { width: 390, height: 844, touch: true, ready: following });
    await pageShows(phone.page, 'audit', { first: audit[0].assigned, second: audit[1].assigned });
    await screenshot(phone.page, 'live-page-groups-phone');

    // bob leaves: alice is given all four, and the page shows it.
    await billing[1].stop();
    await until(() => billing[0].assigned?.length === 4, 30_000, said(billing));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="lag-row"][data-group="billing"] td:last-child')]
      .every((cell) => cell.textContent.startsWith('alice-')), null, { timeout: 20_000 });
    assert.deepEqual([...app.problems, ...phone.problems], []);
  } finally {
    for (const m of members) m.kill();
    await app?.close();
    await phone?.close();
    const log = await live.stop();
    assert.doesNotMatch(log, /panicked/);
  }
});

test("a group's coordinator killed in the page: its kafka-python member finds the new one, reads on and commits", async () => {
  const live = await serveLive();
  let app;
  let alice;
  const kafka = new Kafka({ clientId: 'lab-admin', brokers: live.bootstrap.split(','), logLevel: logLevel.NOTHING });
  const send = async (first, count, client = kafka) => {
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: count }, (_, n) => ({ key: `customer-${first + n}`, value: `order ${first + n}` })) });
    await producer.disconnect();
  };
  try {
    app = await openUrl(live.pageUrl, { ready: following });
    const { page } = app;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2, replicationFactor: 3 }], waitForLeaders: true });
    await admin.disconnect();
    await send(0, 10);
    alice = groupMember(live.bootstrap, 'billing', 'alice', 'kafka-python');
    await until(() => alice.assigned?.length === 2, 30_000, () => alice.stderr.slice(-300));
    await pageShows(page, 'billing', { alice: [0, 1] });

    // The broker coordinating billing (the leader of its __consumer_offsets
    // partition), as librdkafka's admin client finds it, is killed by a
    // click.
    const found = spawnSync(PYTHON, [join(REPO, 'tests', 'live', 'coordinator_of.py'), live.bootstrap, 'billing'], { encoding: 'utf8' });
    assert.equal(found.status, 0, found.stderr);
    const killed = found.stdout.trim();
    await page.click(`[data-testid="broker"][data-broker="${killed}"]`);
    await act(page, 'Kill');

    // Once ZooKeeper's session for it runs out (18 s), another broker
    // leads the offsets partition and coordinates the group; alice finds
    // it, reads what comes next and commits it there.
    await page.waitForFunction((dead) => {
      const card = [...document.querySelectorAll('[data-testid="broker"]')].find((c) => c.textContent.includes('coordinator of billing'));
      return card && card.dataset.broker !== dead;
    }, killed, { timeout: 40_000 });
    // (kafkajs, bootstrapping from a dead broker's port, gives up rather
    // than try the next: it is told only the live ones.)
    const survivors = live.bootstrap.split(',').filter((_, id) => String(id) !== killed);
    await send(10, 10, new Kafka({ clientId: 'lab-admin', brokers: survivors, logLevel: logLevel.NOTHING }));
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="lag-row"][data-group="billing"]')]
      .reduce((sum, r) => sum + Number(r.dataset.logEnd), 0) === 20, null, { timeout: 20_000 });
    // (Before OffsetForLeaderEpoch was served, kafka-python stalled here:
    // after a leader change it checks its position with the new leader.)
    await pageShows(page, 'billing', { alice: [0, 1] }, 20_000).catch((e) => {
      throw new Error(`${e.message}; alice said: ${alice.stderr.slice(-2000)}`);
    });
    assert.equal(alice.assigned.length, 2, 'alice kept her partitions');
    await screenshot(page, 'live-page-coordinator-moved');
    assert.deepEqual(app.problems, []);
  } finally {
    alice?.kill();
    await app?.close();
    const log = await live.stop();
    assert.doesNotMatch(log, /panicked/);
  }
});
