// The page's Content-Security-Policy (a <meta> in index.html): only this
// origin's files run, no inline script or style. The app must start, play
// and draw every picture under it without a single violation, and an
// inline script must be refused.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openApp, pickPreset, watchTokens } from './harness.mjs';

let app;
before(async () => {
  app = await openApp();
});
after(async () => {
  await app?.close();
});

test('the app runs under its Content-Security-Policy, which refuses inline script', async () => {
  const { page, url } = app;
  // Counted from before the page's first script, for every load.
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__violations.push(`${e.violatedDirective}: ${e.blockedURI || e.sample}`));
  });
  await page.goto(url);
  await page.waitForSelector('[data-testid="kafka-view"]');
  const policy = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  assert.match(policy, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.doesNotMatch(policy, /unsafe-inline/);
  assert.equal(await page.$$eval('script:not([src])', (s) => s.length), 0, 'no inline script in the page');

  // Every kind of picture draws, animates and charts under the policy.
  const seen = await watchTokens(page, 30);
  assert.ok(Object.keys(seen).length > 0, 'tokens move');
  for (const preset of ['leader-failover', 'point-to-point-vs-pub-sub']) {
    await pickPreset(page, preset);
  }
  await page.waitForSelector('[data-testid="panes"]');
  await page.waitForSelector('.chart .swatch', { state: 'attached' });
  assert.deepEqual(await page.evaluate(() => window.__violations), []);

  // An injected inline script does not run.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.body.append(s);
  });
  assert.equal(await page.evaluate(() => window.__injected ?? false), false);
  const refused = await page.evaluate(() => window.__violations);
  assert.ok(refused.some((v) => v.startsWith('script-src')), refused.join('\n'));
  app.problems.splice(0, app.problems.length, ...app.problems.filter((p) => !/Content Security Policy/.test(p)));
  assert.deepEqual(app.problems, []);
});
