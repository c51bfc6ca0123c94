// Embed mode: the picture and its playback controls only, in an <iframe> on
// somebody else's page (a course page, a slide, a blog), from another
// origin. The share link's fragment works there too, and a link opens the
// whole playground on the same scenario. "Copy embed code" writes the
// <iframe> to paste.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { openApp, screenshot, pickPreset } from './harness.mjs';

let app;
let host;
before(async () => {
  app = await openApp({ width: 1280, height: 900 });
});
after(async () => {
  await app?.close();
  await new Promise((done) => (host ? host.close(done) : done()));
});

/** A page on another origin (a second local port) holding `html`. */
async function hostPage(html) {
  host = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((ok) => host.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${host.address().port}/`;
}

test('Copy embed code gives an <iframe> of this scenario in embed mode', async () => {
  const { page, url } = app;
  await pickPreset(page, 'leader-failover');
  await page.click('[data-testid="embed-code"]');
  const notice = await page.textContent('[data-testid="notice"]');
  const code = notice.slice(notice.indexOf('<iframe'));
  assert.match(code, /^<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed#s=2\.[A-Za-z0-9_-]+" title="MQ Playground: Leader failover[^"]*" width="960" height="600" style="border:0" allow="fullscreen" loading="lazy"><\/iframe>$/);
  assert.ok(code.includes(url), code);
  assert.deepEqual(app.problems, []);
});

test('embedded on another origin, the picture animates, its controls work, and its link opens the whole app', async () => {
  const { page, url } = app;
  await pickPreset(page, 'order-notifications');
  await page.click('[data-testid="share"]');
  const fragment = await page.evaluate(() => location.hash);
  const src = `${url}?embed${fragment}`;
  const course = await hostPage(`<!doctype html><html lang="en"><title>Week 3: queues</title>
    <h1>Week 3: queues</h1><p>Watch the notifiers share the partitions.</p>
    <iframe src="${src}" width="960" height="600" title="MQ Playground" style="border:0"></iframe>`);
  assert.notEqual(new URL(course).origin, new URL(url).origin, 'another origin');
  await page.goto(course);
  const frame = page.frameLocator('iframe');
  await frame.locator('[data-testid="kafka-view"]').waitFor();

  // The picture and the controls, nothing else.
  assert.equal(await frame.locator('[data-testid="topbar"]').count(), 0);
  assert.equal(await frame.locator('[data-testid="lesson"]').count(), 0);
  assert.equal(await frame.locator('[data-testid="event-log"], .event-log').count(), 0);
  assert.equal(await frame.locator('[data-testid="play-pause"]').count(), 1);
  const inner = await frame.locator('main.app').evaluate(() => ({
    overflow: document.documentElement.scrollWidth - innerWidth,
    width: innerWidth,
  }));
  assert.equal(inner.width, 960);
  assert.ok(inner.overflow <= 0, `no sideways scrolling in the frame: ${inner.overflow}`);

  // It plays, and the controls work.
  const clock = () => frame.locator('[data-testid="clock"]').getAttribute('data-clock-ms').then(Number);
  const first = await clock();
  await page.waitForTimeout(600);
  assert.ok((await clock()) > first, 'the picture animates');
  await frame.locator('[data-testid="play-pause"]').click();
  assert.equal(await frame.locator('[data-testid="play-pause"]').getAttribute('aria-pressed'), 'true');
  const paused = await clock();
  await page.waitForTimeout(300);
  assert.equal(await clock(), paused, 'paused');
  await frame.locator('[data-testid="step"]').click();
  assert.ok((await clock()) > paused, 'a step moves on');

  // The link opens the whole playground on the same scenario.
  const link = frame.locator('[data-testid="open-full"]');
  assert.equal(await link.getAttribute('href'), `${url}${fragment}`);
  assert.equal(await link.getAttribute('target'), '_blank');
  await screenshot(page, 'embed-course-page');
  const [full] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
  await full.waitForSelector('[data-testid="topbar"]');
  assert.equal(await full.textContent('[data-testid="scenario-name"]'), 'Order notifications');
  await full.close();
  assert.deepEqual(app.problems, []);
});
