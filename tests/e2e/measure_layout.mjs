import { chromium } from 'playwright-core';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from './server.mjs';
import { REPO, pickPreset } from './harness.mjs';
const server = await serve(join(REPO, 'dist'));
const dir = await mkdtemp(join(tmpdir(), 'measure-'));
const sizes = [[1280, 800], [1280, 720], [1920, 1080], [390, 844], [360, 640]];
for (const [w, h] of sizes) {
  const ctx = await chromium.launchPersistentContext(dir + w + h, { executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'], viewport: { width: w, height: h } });
  const page = ctx.pages()[0];
  await page.goto(server.url);
  await page.waitForSelector('[data-testid="kafka-view"]');
  for (const preset of ['order-notifications', 'point-to-point-vs-pub-sub']) {
    if (preset !== 'order-notifications') await pickPreset(page, preset);
    const m = await page.evaluate(() => {
      const pic = document.querySelector('[data-testid="kafka-view"], [data-testid="panes"] svg, [data-testid="rabbit-view"]');
      const r = pic.getBoundingClientRect();
      return { top: Math.round(r.top + scrollY), bottom: Math.round(r.bottom + scrollY), width: Math.round(r.width), overflow: document.documentElement.scrollWidth - innerWidth };
    });
    console.log(`${w}x${h} ${preset}: picture top ${m.top}px, bottom ${m.bottom}px, width ${m.width}px, overflow ${m.overflow}px`);
  }
  await ctx.close();
}
await server.close();
