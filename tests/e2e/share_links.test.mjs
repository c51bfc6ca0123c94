// Share links as a user meets them: "Copy link" puts the scenario in the
// address bar, opening that address replays the same scenario, back goes
// to the scenario before, and a broken link is named in a banner while the
// default scenario loads.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApp, pickPreset, offsets, clockMs, screenshot, mqsimRun, REPO } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

const name = (page) => page.textContent('[data-testid="scenario-name"]');

test('copy link puts the scenario in the address bar, and the link opens it', async () => {
  const { page, url } = app;
  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s=2.'));
  const link = page.url();
  assert.ok(link.startsWith(url), link);
  const notice = await page.textContent('[data-testid="notice"]');
  assert.match(notice, /Link to this scenario \(\d+ characters\) copied/);

  const other = await page.context().newPage();
  await other.goto(link);
  await other.waitForSelector('[data-testid="kafka-view"]');
  assert.equal(await name(other), await name(page));
  assert.equal(await other.$('[data-testid="notice"]'), null, 'no problem reported');
  await other.close();
});

test('a broken link is named, and the default scenario loads', async () => {
  const { page, url } = app;
  await page.goto(`${url}#s=2.this-is-not-a-scenario`);
  await page.reload();
  await page.waitForSelector('[data-testid="notice"]');
  const notice = await page.textContent('[data-testid="notice"]');
  assert.match(notice, /This link could not be opened: the link is damaged/);
  assert.equal(await name(page), 'Order notifications');
  assert.equal(await page.getAttribute('[data-testid="notice"]', 'role'), 'alert');
  await screenshot(page, 'broken-link');
});

test('back returns to the scenario the tab showed before', async () => {
  const { page, url } = app;
  await page.goto(url);
  await page.waitForSelector('[data-testid="kafka-view"]');
  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s=2.'));
  await page.goBack();
  await page.waitForFunction(() => location.hash === '');
  assert.equal(await name(page), 'Order notifications');
  assert.equal(app.problems.length, 0, app.problems.join('\n'));
});

test('a link taken while paused opens at that moment, as mqsim run computes it', async () => {
  const { page, url } = app;
  await page.goto(url);
  await page.waitForSelector('[data-testid="kafka-view"]');
  await page.selectOption('[data-testid="speed"]', '10');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid="lag-row"]')].some((r) => Number(r.dataset.committed) > 0),
  );
  await page.click('[data-testid="play-pause"]');
  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s=2.'));
  const link = page.url();

  const other = await page.context().newPage();
  await other.goto(link);
  await other.waitForSelector('[data-testid="kafka-view"]');
  const at = await clockMs(other);
  assert.ok(at > 0, 'opens at the moment the link was taken');
  assert.equal(await other.getAttribute('[data-testid="play-pause"]', 'aria-pressed'), 'true', 'paused');
  const shown = await offsets(other);
  await other.close();

  const native = mqsimRun(link);
  assert.equal(native.kafka.at_ms, at, 'mqsim runs to the same moment');
  const expected = native.kafka.groups[0].partitions.map((p) => ({
    partition: p.partition,
    logEnd: p.log_end_offset,
    committed: p.committed_offset ?? null,
  }));
  assert.deepEqual(shown, expected, 'the page and the native engine agree');
});

test("a preset's link is short, and the page it opens fetches the preset's lesson", async () => {
  const { page } = app;
  await pickPreset(page, 'leader-failover');
  await page.click('[data-testid="share"]');
  await page.waitForFunction(() => location.hash.startsWith('#s=2.'));
  const link = page.url();
  const fragment = link.split('#')[1];
  assert.ok(fragment.length < 600, `${fragment.length} characters`);
  const native = mqsimRun(link);
  assert.ok(native.kafka, 'mqsim runs the link');

  const other = await page.context().newPage();
  await other.goto(link);
  await other.waitForSelector('[data-testid="lesson"]');
  const watch = await other.textContent('[data-testid="lesson"]');
  assert.match(watch, /Partition 0's leader is broker 1/, 'the narration came from the preset file');
  assert.equal(await other.locator('[data-testid="lesson-step"]').count(), 3);
  await other.close();
});

test('a link naming a preset this page does not have runs without a lesson, and says so', async () => {
  const { page, url } = app;
  const file = JSON.parse(readFileSync(join(REPO, 'crates/mqsim/presets/leader-failover.json'), 'utf8'));
  file.preset = 'no-such-preset';
  delete file.narration;
  const fragment = execFileSync(join(REPO, 'target/debug/mqsim'), ['link', 'encode', '-'], {
    input: JSON.stringify(file),
  }).toString().trim();
  const other = await page.context().newPage();
  await other.goto(`${url}#${fragment}`);
  await other.waitForSelector('[data-testid="notice"].problem');
  assert.match(
    await other.textContent('[data-testid="notice"]'),
    /lesson could not be had: the preset "no-such-preset" could not be fetched \(HTTP 404\)\. It runs without it\./,
  );
  assert.equal(await other.textContent('[data-testid="scenario-name"]'), file.name, 'the scenario itself opened');
  assert.equal(await other.$('[data-testid="lesson"]'), null);
  await other.close();
});
