// Live mode's end-to-end latency, measured rather than asserted: from an
// amqplib publish to the page that `mqsim serve` serves showing the
// message in its queue. The page follows the run 120 ms behind the
// server's engine, which hears news every 40 ms, and the run's network
// takes 20 ms each way; this says what that adds up to on this machine.
// Run by `scripts/bench.sh --live`; results in target/bench/live_page.json.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import amqp from 'amqplib';
import { serveLive } from './live.mjs';
import { REPO, openUrl } from './harness.mjs';

const PUBLISHES = 60;

const live = await serveLive();
const app = await openUrl(live.pageUrl, { ready: '[data-testid="live-banner"][data-live="following"]' });
const connection = await amqp.connect(`amqp://guest:guest@127.0.0.1:${live.amqpPort}`);
const latencies = [];
try {
  const channel = await connection.createChannel();
  await channel.assertQueue('latency');
  for (let n = 1; n <= PUBLISHES; n++) {
    const sent = Date.now();
    channel.sendToQueue('latency', Buffer.from(`message ${n}`));
    // The page's own clock, at the first frame whose picture shows it (the
    // table below it is drawn every 250 ms while the run plays).
    const shown = await app.page.waitForFunction(
      (n) => document.querySelector('[data-testid="queue"][data-name="latency"]')?.dataset.ready === String(n) && Date.now(),
      n,
      { polling: 'raf', timeout: 10_000 },
    );
    latencies.push((await shown.jsonValue()) - sent);
    await new Promise((done) => setTimeout(done, 50 + (n % 5) * 17));
  }
} finally {
  await connection.close();
  await app.close();
  await live.stop();
}
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
const result = { publishes: PUBLISHES, median_ms: at(0.5), p95_ms: at(0.95), min_ms: latencies[0], max_ms: latencies.at(-1) };
console.log(`publish → the page showing it, ${PUBLISHES} publishes: median ${result.median_ms} ms, p95 ${result.p95_ms} ms (min ${result.min_ms}, max ${result.max_ms})`);
await mkdir(join(REPO, 'target', 'bench'), { recursive: true });
await writeFile(join(REPO, 'target', 'bench', 'live_page.json'), JSON.stringify(result, null, 2));
