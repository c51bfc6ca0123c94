// Kafka panes, as a class sees the zookeeper-vs-kraft preset on a
// 1280×800 screen: a ZooKeeper cluster and a KRaft cluster side by side on
// one clock, the same broker dying in both, the counters timing each
// failover and the settings that explain the difference above each pane.
// A click in a pane makes the inspector speak of that cluster; a broker
// killed from the page dies in both. Screenshots: kafka-panes-*.png.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, screenshot, scrubTo, pause, fact, act, audit } from './harness.mjs';

let app;
before(async () => {
  app = await openApp({ width: 1280, height: 800 });
});
after(async () => {
  await app?.close();
});

const pane = (i) => `[data-testid="kafka-pane"][data-pane="${i}"]`;

/** Which broker leads each partition in pane `i`. */
const leadersIn = (page, i) =>
  page.$$eval(`${pane(i)} [data-testid="broker"]`, (cards) => {
    const led = {};
    for (const card of cards) {
      for (const chip of card.querySelectorAll('[data-testid="replica"][data-role="leader"]')) {
        led[chip.dataset.label] = Number(card.dataset.broker);
      }
    }
    return led;
  });

test('a ZooKeeper and a KRaft cluster side by side lose the same broker and fail over at their own pace', async () => {
  const { page } = app;
  await pickPreset(page, 'zookeeper-vs-kraft');
  await pause(page);
  await scrubTo(page, 20_000);

  // Side by side: two panes on one row, within the screen, titled, each
  // with the settings that decide its failover.
  const boxes = await Promise.all([0, 1].map((i) => page.locator(pane(i)).boundingBox()));
  assert.ok(Math.abs(boxes[0].y - boxes[1].y) < 2, 'on one row');
  assert.ok(boxes[0].x + boxes[0].width <= boxes[1].x, 'left then right');
  assert.ok(boxes[1].x + boxes[1].width <= 1280, 'within the screen');
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 1280, 'no sideways scrolling');
  assert.equal(await page.textContent(`${pane(0)} h2`), 'ZooKeeper (Kafka 3)');
  assert.equal(await page.textContent(`${pane(1)} h2`), 'KRaft (Kafka 4)');
  assert.match(await page.textContent(`${pane(0)} [data-testid="pane-why"]`), /zookeeper\.session\.timeout\.ms 18000 ms/);
  assert.match(await page.textContent(`${pane(1)} [data-testid="pane-why"]`), /broker\.session\.timeout\.ms 9000 ms/);
  assert.equal(await page.locator(`${pane(0)} [data-testid="zookeeper"]`).count(), 1);
  assert.equal(await page.locator(`${pane(1)} [data-testid="quorum"]`).count(), 1);

  // At 20 s broker 1, dead since 10 s, still leads orders-0 for ZooKeeper
  // (its 18 s session has not expired); KRaft fenced it after 9 s.
  assert.equal((await leadersIn(page, 0))['orders·P0'], 1);
  assert.notEqual((await leadersIn(page, 1))['orders·P0'], 1);
  const counter = () => page.textContent('[data-testid="counter"][data-counter="failover orders-0"]');
  assert.match(await counter(), /^ZooKeeper \(Kafka 3\): no leader for 10\.0 s so far · KRaft \(Kafka 4\): \d+\.\d s$/);
  await screenshot(page, 'kafka-panes-20s');

  // Later both have failed over, KRaft sooner.
  await scrubTo(page, 30_000);
  const [zk, kraft] = (await counter()).match(/\d+\.\d s/g).map(parseFloat);
  assert.ok(kraft < zk, `KRaft ${kraft} s, ZooKeeper ${zk} s`);
  assert.notEqual((await leadersIn(page, 0))['orders·P0'], 1);

  // A click in the KRaft pane: the inspector speaks of that cluster.
  await page.click(`${pane(1)} [data-testid="broker"][data-broker="1"]`);
  assert.match(await page.getAttribute(pane(1), 'class'), /focused/);
  assert.match(await fact(page, 'Registration'), /^fenced in the metadata log/);
  await page.click(`${pane(0)} [data-testid="broker"][data-broker="1"]`);
  assert.match(await page.getAttribute(pane(0), 'class'), /focused/);
  assert.equal(await page.locator('[data-testid="inspector"] dd[data-fact="Registration"]').count(), 0, 'ZooKeeper has no fencing');

  // Killing broker 2 from one pane kills it in both.
  await page.click(`${pane(1)} [data-testid="broker"][data-broker="2"]`);
  await act(page, 'Kill');
  for (const i of [0, 1]) {
    assert.equal(await page.getAttribute(`${pane(i)} [data-testid="broker"][data-broker="2"]`, 'data-status'), '✕ dead');
  }
  await screenshot(page, 'kafka-panes-30s');
  assert.deepEqual(await audit(page), []);
  assert.deepEqual(app.problems, []);
});

// On a projector the panes stand side by side; on a phone they stack, in
// the same order, and nothing scrolls sideways.
for (const [width, height, sideBySide] of [
  [1920, 1080, true],
  [390, 844, false],
]) {
  test(`Kafka panes at ${width}×${height}`, async () => {
    const sized = await openApp({ width, height, touch: width < 500 });
    try {
      const { page } = sized;
      await pickPreset(page, 'zookeeper-vs-kraft');
      await pause(page);
      await scrubTo(page, 20_000);
      const [a, b] = await Promise.all([0, 1].map((i) => page.locator(pane(i)).boundingBox()));
      if (sideBySide) {
        assert.ok(Math.abs(a.y - b.y) < 2 && a.x + a.width <= b.x, 'side by side');
      } else {
        assert.ok(b.y >= a.y + a.height, 'stacked');
      }
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), width, 'no sideways scrolling');
      await screenshot(page, `kafka-panes-${width}x${height}`);
      assert.deepEqual(sized.problems, []);
    } finally {
      await sized.close();
    }
  });
}
