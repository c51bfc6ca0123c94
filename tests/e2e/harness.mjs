// Shared set-up for the end-to-end tests: the built app (dist/), a local
// server, and Debian's headless Chromium driven by playwright-core. No
// browser is ever downloaded.

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from './server.mjs';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHOTS = join(REPO, 'target', 'e2e');

/** Flags that keep Chromium from reaching for the network on a closed machine. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Starts the server and the browser; returns { url, page, close }. The page
 * is ready once `ready` (a selector) is there: the Kafka picture, unless
 * the page opens on something else (a blank scenario, say).
 */
export async function openApp({ width = 1280, height = 800, touch = false, query = '', ready = '[data-testid="kafka-view"]' } = {}) {
  const server = await serve(join(REPO, 'dist'));
  const app = await openUrl(server.url + query, { width, height, touch, ready });
  return {
    ...app,
    url: server.url,
    async close() {
      await app.close();
      await server.close();
    },
  };
}

/**
 * Opens `url` (a page another server serves: `mqsim serve`'s) in the
 * browser; returns { page, problems, close } once `ready` is there.
 */
export async function openUrl(url, { width = 1280, height = 800, touch = false, ready = '[data-testid="scenario-name"]' } = {}) {
  const userDataDir = await mkdtemp(join(tmpdir(), 'mq-playground-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width, height },
    hasTouch: touch,
    isMobile: touch,
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  try {
    await page.goto(url);
    await page.waitForSelector(ready);
  } catch (err) {
    await context.close();
    throw err;
  }
  return {
    page,
    problems,
    context,
    async close() {
      await context.close();
    },
  };
}

/** Saves a screenshot under target/e2e/. */
export async function screenshot(page, name) {
  await mkdir(SHOTS, { recursive: true });
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

/** The offsets table as [{ partition, logEnd, committed }]. */
export async function offsets(page) {
  return page.$$eval('[data-testid="lag-row"]', (rows) =>
    rows.map((r) => ({
      partition: Number(r.dataset.partition),
      logEnd: Number(r.dataset.logEnd),
      committed: r.dataset.committed === '' ? null : Number(r.dataset.committed),
    })),
  );
}

/** The virtual clock shown on the page, in milliseconds. */
export async function clockMs(page) {
  return Number(await page.getAttribute('[data-testid="clock"]', 'data-clock-ms'));
}

/** Runs the native `mqsim` on a link and returns its JSON summary. */
export function mqsimRun(link) {
  const built = join(REPO, 'target', 'debug', 'mqsim');
  const [cmd, args] = existsSync(built)
    ? [built, []]
    : ['cargo', ['run', '-q', '-p', 'mqsim-cli', '--']];
  const out = execFileSync(cmd, [...args, 'run', link, '--format', 'json'], { cwd: REPO });
  return JSON.parse(out.toString());
}

/**
 * Watches the page for `frames` animation frames and returns every token
 * seen: { id: { title, xs: [x per frame seen] } }.
 */
export async function watchTokens(page, frames) {
  return page.evaluate(
    (frames) =>
      new Promise((done) => {
        const seen = {};
        let n = 0;
        const sample = () => {
          for (const t of document.querySelectorAll('[data-testid="token"]')) {
            const id = t.getAttribute('data-token');
            const x = t.transform.baseVal.consolidate()?.matrix.e ?? 0;
            seen[id] ??= { title: t.querySelector('title')?.textContent ?? '', xs: [] };
            seen[id].xs.push(x);
          }
          if (++n < frames) requestAnimationFrame(sample);
          else done(seen);
        };
        requestAnimationFrame(sample);
      }),
    frames,
  );
}

/** Drags the scrubber to `ms`, as a user's drag ends there. */
export async function scrubTo(page, ms) {
  await page.$eval('[data-testid="scrubber"]', (el, ms) => {
    el.value = String(ms);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, ms);
}

/** Pauses playback if it is playing. */
export async function pause(page) {
  if ((await page.getAttribute('[data-testid="play-pause"]', 'aria-pressed')) === 'false') {
    await page.click('[data-testid="play-pause"]');
  }
}

/** One fact the inspector shows, by its label. */
export function fact(page, label) {
  return page.textContent(`[data-testid="inspector"] dd[data-fact="${label}"]`);
}

/** Presses one of the inspector's action buttons, by its label. */
export function act(page, label) {
  return page.click(`[data-testid="inspector-action"][data-action="${label}"]`);
}

/** Which broker's card holds the filled (leader) chip of each partition. */
export function leaders(page) {
  return page.$$eval('[data-testid="broker"]', (cards) => {
    const led = {};
    for (const card of cards) {
      for (const chip of card.querySelectorAll('[data-testid="replica"][data-role="leader"]')) {
        led[chip.dataset.label] = Number(card.dataset.broker);
      }
    }
    return led;
  });
}

/**
 * Opens `scenario` (a scenario object) as a user would a file, through the
 * page's file input, and waits until its name is shown.
 */
export async function openScenario(page, scenario, fileName = 'scenario.json') {
  const path = join(await mkdtemp(join(tmpdir(), 'mq-playground-scenario-')), fileName);
  await writeFile(path, JSON.stringify(scenario));
  await page.setInputFiles('[data-testid="open-file"]', path);
  await page.waitForFunction(
    (name) => document.querySelector('[data-testid="scenario-name"]')?.textContent === name,
    scenario.name,
  );
}

/** Picks a preset from the menu and waits until its file is fetched and open. */
export async function pickPreset(page, id) {
  const loads = () => page.getAttribute('main.app', 'data-loads').then(Number);
  const before = await loads();
  // On a phone the picker is in the menu.
  if (!(await page.isVisible('[data-testid="preset"]'))) await page.click('[data-testid="menu"]');
  await page.selectOption('[data-testid="preset"]', id);
  await page.waitForFunction(
    (n) => Number(document.querySelector('main.app').dataset.loads) > n,
    before,
  );
}

/** Opens the File menu (save, open, definitions), if it is closed. */
export async function openFileMenu(page) {
  if ((await page.getAttribute('[data-testid="file-menu"]', 'aria-expanded')) !== 'true') {
    await page.click('[data-testid="file-menu"]');
  }
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * Runs axe-core over the page; returns its serious and critical
 * violations. (Evaluated, not added as a <script>: the page's
 * Content-Security-Policy refuses inline script, rightly.)
 */
export async function audit(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
}

/** The builder's panel. */
export const builder = (page) => page.getByTestId('builder');

/** Presses a palette button of one side ("Kafka" or "RabbitMQ"), by its name. */
export async function add(page, side, label) {
  await builder(page).getByRole('group', { name: side }).getByRole('button', { name: label, exact: true }).click();
}

/** Selects a part of the scenario in the builder's list, by its description (`queue "india-all"`). */
export async function select(page, description) {
  await builder(page).getByRole('navigation', { name: 'Parts of the scenario' })
    .getByRole('button', { name: description, exact: true }).click();
}

/** A field of the builder's form, by its label (the config name). */
export const field = (page, label) => builder(page).getByLabel(label, { exact: true });

/** A field's row in the form: its label, its input and its problem. */
export const fieldRow = (page, label) =>
  builder(page).locator('.field').filter({ has: page.getByLabel(label, { exact: true }) });

/** Types into a field of the form and leaves it, which applies it; a drop-down is chosen from. */
export async function set(page, label, value) {
  const input = field(page, label);
  if ((await input.evaluate((el) => el.tagName)) === 'SELECT') {
    await input.selectOption(value);
  } else {
    await input.fill(value);
    await input.press('Tab');
  }
}

/** The problem shown beside a field, or null. */
export async function problemBeside(page, label) {
  const problem = fieldRow(page, label).getByTestId('field-problem');
  return (await problem.count()) ? problem.textContent() : null;
}
