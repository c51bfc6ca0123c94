// Every preset as a class meets it: it loads with its lesson, its tokens
// move, the counters its narration names change as it runs, and each
// "try this" step, done the way a student would do it, is ticked off.
// Screenshots per preset go to target/e2e/: preset-<id>.png before the
// steps, preset-<id>-done.png after them.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { openApp, pickPreset, screenshot, scrubTo, pause, act, watchTokens, REPO } from './harness.mjs';

let app;
before(async () => {
  app = await openApp({ width: 1280, height: 900 });
});
after(async () => {
  await app?.close();
});

// What a student clicks.
const consumer = (name) => `[data-testid="consumer"][data-name="${name}"]`;
const rabbitConsumer = (name) => `[data-testid="rabbit-consumer"][data-name="${name}"]`;
const producer = (name) => `[data-testid="producer"][data-name="${name}"]`;
const publisher = (name) => `[data-testid="publisher"][data-name="${name}"]`;
const queue = (name) => `[data-testid="queue"][data-name="${name}"]`;
const broker = (id) => `[data-testid="broker"][data-broker="${id}"]`;
const voter = (id) => `[data-testid="voter"][data-controller="${id}"]`;

/** Clicks something, then one of the inspector's buttons. */
const press = (target, label) => async (page) => {
  await page.click(target);
  await act(page, label);
};
/** Opens the inspector on the first thing `target` matches. */
// Forced: tokens in flight may overlap, and any of them will do.
const inspect = (target) => (page) => page.locator(target).first().click({ force: true });
/** Sends by hand from a producer or publisher, filling the form's fields. */
const send = (target, fields, { poison = false } = {}) => async (page) => {
  await page.click(target);
  for (const [field, value] of Object.entries(fields)) {
    if (field === 'partition') await page.selectOption('[data-testid="send-partition"]', value);
    else await page.fill(`[data-testid="send-${field}"]`, value);
  }
  await page.click(poison ? '[data-testid="send-poison"]' : '[data-testid="send"]');
};
const rewind = (page) => scrubTo(page, 2_000);

const record = '[data-testid="record"]';
const message = '[data-message]';
const partition = '[data-testid="partition-label"]';

// Per preset: the moment the steps start from, each step's deed in order,
// and the counters that may rightly stay put (with why).
const LESSONS = {
  'order-notifications': {
    at: 15_000,
    steps: [inspect(record), press(consumer('notifier-2'), 'Crash'), rewind],
  },
  'pace-matching': {
    at: 25_000,
    steps: [
      press(consumer('dispatcher'), 'Slow down'),
      press(consumer('dispatcher'), 'Add a consumer'),
      press(producer('night-shift'), 'Stop'),
    ],
  },
  'point-to-point-vs-pub-sub': {
    at: 15_000,
    steps: [
      inspect(`[data-testid="panes"] ${message}`),
      press(rabbitConsumer('worker-2'), 'Crash'),
      press(rabbitConsumer('sms-service'), 'Crash'),
    ],
  },
  'keys-and-partitions': {
    at: 15_000,
    steps: [
      send(producer('checkout'), { key: 'alice' }),
      send(producer('checkout'), { key: '', partition: '0' }),
      inspect(record),
    ],
  },
  'group-scaling': {
    at: 45_000,
    steps: [inspect(consumer('packer-2')), press(consumer('packer-1'), 'Crash'), press(partition, 'Add a partition')],
    constant: { 'processed packer-5': 'the fifth packer has no partition: that is the lesson' },
  },
  'two-groups': {
    at: 15_000,
    steps: [inspect(partition), press(consumer('analyst'), 'Crash'), press(consumer('biller-1'), 'Start a second group')],
  },
  'consumer-crash': {
    at: 15_000,
    steps: [
      inspect(partition),
      press(consumer('notifier-2'), 'Crash'),
      press(consumer('notifier-2'), 'Restart'),
    ],
  },
  'leader-failover': {
    at: 40_000,
    steps: [inspect(broker(0)), press(broker(2), 'Kill'), rewind],
  },
  'kraft-controller-failover': {
    at: 20_000,
    steps: [inspect(voter(102)), press(voter(101), 'Kill'), rewind],
  },
  'zookeeper-vs-kraft': {
    at: 30_000,
    steps: [
      inspect(broker(0)),
      press(`[data-testid="kafka-pane"][data-pane="1"] ${broker(2)}`, 'Kill'),
      rewind,
    ],
  },
  'kraft-quorum-loss': {
    at: 20_000,
    steps: [inspect(voter(102)), press(voter(100), 'Restart'), inspect(broker(1))],
  },
  'consumer-protocol': {
    at: 20_000,
    steps: [
      inspect(consumer('i1')),
      press(consumer('i2'), 'Add a consumer'),
      press(consumer('e1'), 'Slow down'),
      press(consumer('e1'), 'Crash'),
    ],
    constant: { 'stopped incremental': 'the consumer protocol never stops the whole group' },
  },
  'share-group': {
    at: 20_000,
    steps: [press(consumer('w2'), 'Crash'), press(consumer('w3'), 'Slow down'), inspect('[data-share="acquired"]')],
  },
  'point-to-point-three-ways': {
    at: 25_000,
    steps: [
      inspect('[data-share="acquired"], [data-share="available"]'),
      press(rabbitConsumer('worker-3'), 'Crash'),
      press(consumer('p3'), 'Crash'),
    ],
    constant: { 'ready orders': 'RabbitMQ pushes each message on at once: the workers keep up, nothing waits' },
  },
  'acks-min-isr': {
    at: 25_000,
    steps: [inspect(broker(1)), inspect(producer('acks-all')), press(broker(0), 'Restart')],
  },
  'unclean-election': {
    at: 35_000,
    steps: [inspect(partition), rewind, inspect(broker(0))],
  },
  'retry-dead-letter': {
    at: 20_000,
    steps: [send(producer('checkout'), {}, { poison: true }), inspect(record)],
  },
  'exchange-routing': {
    at: 15_000,
    steps: [
      send(publisher('tracker'), { key: 'india.123' }),
      press(queue('india-all'), 'Unbind from locations (india.*)'),
      inspect(message),
    ],
  },
  'headers-exchange': {
    at: 15_000,
    steps: [send(publisher('us-billing'), { headers: 'region=eu, type=invoice' }), inspect(message)],
  },
  'rabbit-retry-dead-letter': {
    at: 20_000,
    steps: [
      inspect(`${queue('parking')} ${message}`),
      send(publisher('checkout'), {}, { poison: true }),
      press(rabbitConsumer('mailer'), 'Crash'),
    ],
  },
  'pull-vs-push': {
    at: 15_000,
    steps: [
      press(rabbitConsumer('pushed'), 'Slow down'),
      press(consumer('puller'), 'Slow down'),
      inspect(record),
    ],
    constant: { 'ready events': 'nothing waits in the queue until a student slows the consumer' },
  },
};

const presets = JSON.parse(
  execFileSync(`${REPO}/target/debug/mqsim`, ['presets', 'list', '--format', 'json'], { cwd: REPO }).toString(),
);

test('every preset has a lesson in this test', () => {
  assert.ok(presets.length >= 14, `${presets.length} presets`);
  assert.deepEqual(presets.map((p) => p.id).sort(), Object.keys(LESSONS).sort());
});

/** Every counter in the lesson panel, by what it counts. */
const counters = (page) =>
  page.$$eval('[data-testid="counter"]', (cs) => Object.fromEntries(cs.map((c) => [c.dataset.counter, c.textContent])));

for (const { id, name: title } of presets) {
  test(`preset ${id}: it loads, moves, counts, and ticks off each step`, async () => {
    const { page } = app;
    const lesson = LESSONS[id];
    await pickPreset(page, id);
    assert.equal(await page.textContent('[data-testid="scenario-name"]'), title);
    await page.waitForSelector('[data-testid="lesson"]');

    // Tokens move: some token is seen at two places over a few frames.
    await page.selectOption('[data-testid="speed"]', '4');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="token"]').length > 0);
    const tokens = await watchTokens(page, 20);
    assert.ok(
      Object.values(tokens).some((t) => new Set(t.xs).size > 1),
      'a token travels',
    );

    // The narration's counters change over the run.
    await pause(page);
    const duration = Number(await page.getAttribute('[data-testid="scrubber"]', 'max'));
    const seen = {};
    for (const f of [0.05, 0.13, 0.21, 0.34, 0.47, 0.55, 0.68, 0.79, 0.89, 1]) {
      await scrubTo(page, Math.floor(duration * f));
      for (const [counter, value] of Object.entries(await counters(page))) {
        (seen[counter] ??= new Set()).add(value);
      }
    }
    assert.ok(Object.keys(seen).length > 0, 'the narration names counters');
    for (const [counter, values] of Object.entries(seen)) {
      if (lesson.constant?.[counter]) continue;
      assert.ok(values.size > 1, `${counter} changes over the run (${[...values]})`);
    }

    // Each step, done as a student would, is ticked off, in order. Opened
    // afresh: scrubbing back above was a rewind already.
    await pickPreset(page, id);
    await pause(page);
    await scrubTo(page, lesson.at);
    await screenshot(page, `preset-${id}`);
    const steps = page.locator('[data-testid="lesson-step"]');
    assert.equal(await steps.count(), lesson.steps.length, 'one deed per step');
    for (const [i, deed] of lesson.steps.entries()) {
      assert.equal(await steps.nth(i).getAttribute('data-done'), 'false', `step ${i + 1} starts undone`);
      await deed(page);
      assert.equal(await steps.nth(i).getAttribute('data-done'), 'true', `step ${i + 1} is ticked off`);
    }
    assert.equal(
      await page.textContent('[data-testid="steps-done"]'),
      `${lesson.steps.length} of ${lesson.steps.length} done`,
    );
    await page.click('[data-testid="inspector-close"]');
    await scrubTo(page, lesson.at);
    await screenshot(page, `preset-${id}-done`);
    assert.deepEqual(app.problems, []);
  });
}
