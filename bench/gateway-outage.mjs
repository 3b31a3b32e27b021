#!/usr/bin/env node
// Gateway outage: `pushagent run` with checks at 1s (and one that runs once a minute) pushing to a
// real Pushgateway on loopback; the gateway is stopped for --outage seconds, then a FRESH one (no
// state) starts on the same port. Prints how long after the restart every group was back.
// Usage: node bench/gateway-outage.mjs [--outage 20] [--checks 10]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const OUTAGE = Number(arg('outage', '20'));
const CHECKS = Number(arg('checks', '10'));
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PGW = process.env.PUSHGATEWAY_BIN ?? 'prometheus-pushgateway';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = s.address();
    s.close(() => resolve(p));
  });
});
const url = `http://127.0.0.1:${port}`;
const startGateway = async () => {
  const gw = spawn(PGW, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=error'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return gw;
    } catch {}
    await sleep(50);
  }
  throw new Error('gateway did not start');
};
const groups = async () => {
  try {
    return (await (await fetch(`${url}/api/v1/metrics`)).json()).data.map((g) => g.labels.check ?? '(agent)');
  } catch {
    return [];
  }
};

let gw = await startGateway();
const dir = mkdtempSync(path.join(tmpdir(), 'pushagent-outage-'));
mkdirSync(path.join(dir, 'checks'));
writeFileSync(
  path.join(dir, 'pushagent.config.yaml'),
  `pushgateway:\n  url: ${url}\n  timeout: 1s\ndefaults: {interval: 1m}\n`,
);
const second = (new Date().getSeconds() + 3) % 60;
const checks = Array.from(
  { length: CHECKS },
  (_, i) => `- name: fast_${i}\n  command: date +%s\n  interval: 1s\n  metric: {name: fast_${i}_unixtime}\n`,
);
checks.push(`- name: rare\n  command: echo 1\n  schedule: "${second} * * * * *"\n  metric: {name: rare_value}\n`);
writeFileSync(path.join(dir, 'checks', 'c.yaml'), checks.join(''));
const agent = spawn(process.execPath, [CLI, 'run'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });

const expected = CHECKS + 2;
while ((await groups()).length < expected) await sleep(100);
console.error(`all ${expected} groups present; stopping the gateway for ${OUTAGE} s`);
gw.kill('SIGTERM');
await new Promise((r) => gw.once('exit', r));
await sleep(OUTAGE * 1000);
gw = await startGateway();
const restarted = Date.now();
let present = 0;
while (present < expected && Date.now() - restarted < 60_000) {
  present = (await groups()).length;
  if (present < expected) await sleep(50);
}
const back = (Date.now() - restarted) / 1000;
agent.kill('SIGTERM');
await new Promise((r) => agent.once('exit', r));
gw.kill('SIGTERM');
console.log(
  `gateway outage: ${OUTAGE} s, then a fresh gateway; ${CHECKS} checks at 1s, one once a minute, the agent group every minute`,
);
console.log(
  `  groups back after restart   ${present}/${expected} within ${back.toFixed(2)} s (target: all within 15 s)`,
);
