// Scenario files in the browser: open one from disk, have a broken one
// refused by name while the current scenario stays, and save the current
// scenario as JSON.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, openFileMenu, REPO } from './harness.mjs';

let app;
let dir;
before(async () => {
  app = await openApp();
  dir = await mkdtemp(join(tmpdir(), 'mq-playground-files-'));
});
after(async () => {
  await app?.close();
});

const name = (page) => page.textContent('[data-testid="scenario-name"]');

test('opening a scenario file loads it', async () => {
  const { page } = app;
  await page.setInputFiles('[data-testid="open-file"]', join(REPO, 'crates/mqsim/presets/leader-failover.json'));
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="scenario-name"]').textContent.startsWith('Leader failover'),
  );
  assert.match(await page.textContent('[data-testid="notice"]'), /Opened leader-failover\.json/);
  // Loading a file is a new history entry: back returns to the scenario before.
  assert.ok(page.url().includes('#s=2.'), 'the address bar holds the loaded scenario');
  await page.goBack();
  await page.waitForFunction(() => document.querySelector('[data-testid="scenario-name"]').textContent === 'Order notifications');
  await page.goForward();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="scenario-name"]').textContent.startsWith('Leader failover'),
  );
});

test('a broken file is refused by name and the scenario on screen stays', async () => {
  const { page } = app;
  const before = await name(page);
  const broken = join(dir, 'broken.json');
  await writeFile(broken, '{"version": 1, "name": "x", "seed": ');
  await page.setInputFiles('[data-testid="open-file"]', broken);
  await page.waitForSelector('[data-testid="notice"][role="alert"]');
  const notice = await page.textContent('[data-testid="notice"]');
  assert.match(notice, /broken\.json is not a valid scenario: .*line 1/);
  assert.equal(await name(page), before);
});

test('saving writes the scenario on screen as JSON', async () => {
  const { page } = app;
  const [download] = await Promise.all([page.waitForEvent('download'), openFileMenu(page).then(() => page.click('[data-testid="download"]'))]);
  assert.match(download.suggestedFilename(), /^leader-failover.*\.json$/);
  const path = join(dir, download.suggestedFilename());
  await download.saveAs(path);
  const saved = JSON.parse(await readFile(path, 'utf8'));
  assert.equal(saved.name, await name(page));
  assert.equal(saved.kafka.cluster.brokers, 3);
  assert.equal(app.problems.length, 0, app.problems.join('\n'));
});

test('importing RabbitMQ definitions replaces the topology and lists what is not modelled', async () => {
  const { page } = app;
  const before = await name(page);
  await page.setInputFiles('[data-testid="import-definitions"]', join(REPO, 'crates/mqsim/tests/rabbit/shop.json'));
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="notice"]')?.textContent.startsWith('Imported shop.json'),
  );
  const notice = await page.textContent('[data-testid="notice"]');
  assert.match(notice, /5 exchanges, 8 queues, 10 bindings/);
  assert.match(notice, /Not modelled: .*x-max-priority/);
  assert.equal(await name(page), before, 'the Kafka part and the title stay');
  const [download] = await Promise.all([page.waitForEvent('download'), openFileMenu(page).then(() => page.click('[data-testid="download"]'))]);
  const path = join(dir, 'with-rabbit.json');
  await download.saveAs(path);
  const saved = JSON.parse(await readFile(path, 'utf8'));
  assert.equal(saved.rabbit.queues.length, 8);
  const [definitions] = await Promise.all([
    page.waitForEvent('download'),
    openFileMenu(page).then(() => page.click('[data-testid="export-definitions"]')),
  ]);
  assert.match(definitions.suggestedFilename(), /definitions\.json$/);
  const definitionsPath = join(dir, 'definitions.json');
  await definitions.saveAs(definitionsPath);
  const exported = JSON.parse(await readFile(definitionsPath, 'utf8'));
  assert.deepEqual(
    [exported.exchanges.length, exported.queues.length, exported.bindings.length],
    [5, 8, 10],
    'the definitions file declares the imported topology',
  );
  assert.ok(exported.queues.every((q) => q.vhost === '/' && q.durable === true));

  const broken = join(dir, 'broken-definitions.json');
  await writeFile(broken, '{"exchanges": [{"name": "x", "type": "x-delayed-message"}]}');
  await page.setInputFiles('[data-testid="import-definitions"]', broken);
  await page.waitForSelector('[data-testid="notice"][role="alert"]');
  assert.match(await page.textContent('[data-testid="notice"]'), /unknown exchange type "x-delayed-message"/);
});
