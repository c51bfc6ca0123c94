// `mqsim serve` for the end-to-end tests: every listener on a free port of
// 127.0.0.1, read back from what the server prints when it is ready.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './harness.mjs';

export const MQSIM = process.env.MQSIM ?? join(REPO, 'target', 'debug', 'mqsim');

// A test that fails before its `stop` must neither keep the test process
// alive (a hung file is a CI run that never ends) nor leave its server
// behind: a server is not waited for, and is stopped when the process ends,
// also when the test runner ends it (SIGTERM, a file over its time).
const running = new Set();
process.once('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});
process.once('SIGTERM', () => process.exit(143));

/**
 * Starts `mqsim serve` with `args` (a recording file, a scenario); returns
 * { amqpPort, bootstrap, pageUrl, log(), stop() } once it serves the page.
 * `stop` sends SIGTERM, waits for the exit and returns the server's log.
 */
export async function serveLive(args = []) {
  if (!existsSync(MQSIM)) throw new Error(`${MQSIM} is not built (cargo build -p mqsim-cli)`);
  const child = spawn(MQSIM, ['serve', '--amqp', '127.0.0.1:0', '--kafka', '127.0.0.1:0', '--http', '127.0.0.1:0', ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.unref();
  child.stderr.unref();
  let log = '';
  // Whole lines only: a chunk may end inside an address.
  const pageLine = /the page, following the live run, on (\S+)\n/;
  const ready = new Promise((done, failed) => {
    child.stderr.on('data', (chunk) => {
      log += chunk;
      if (pageLine.test(log)) done();
    });
    child.once('exit', () => failed(new Error(`mqsim serve did not start: ${log}`)));
    setTimeout(() => failed(new Error(`mqsim serve did not start in 10 s: ${log}`)), 10_000);
  });
  await ready;
  const amqpPort = Number(log.match(/AMQP 0-9-1 on 127\.0\.0\.1:(\d+)/)[1]);
  const [, kafkaPort, last] = log.match(/Kafka on 127\.0\.0\.1:(\d+) \(brokers 0..=(\d+)/);
  const bootstrap = Array.from({ length: Number(last) + 1 }, (_, i) => `127.0.0.1:${Number(kafkaPort) + i}`).join(',');
  const pageUrl = log.match(pageLine)[1];
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once('exit', done));
      child.ref();
      child.stderr.ref();
      child.kill('SIGTERM');
      await exited;
    }
    return log;
  };
  return { amqpPort, bootstrap, pageUrl, log: () => log, stop };
}
