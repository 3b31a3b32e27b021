#!/usr/bin/env node
// Daemon soak: N exec checks at a fixed interval for a while, against a real Pushgateway on
// loopback. Prints scheduling lateness (p50/p99/max), skipped slots, CPU seconds (agent and its
// children), RSS at start and end. Bounded: it stops by itself after --seconds.
// Usage: node bench/daemon-soak.mjs [--checks 50] [--interval 1s] [--seconds 600] [--command true]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const CHECKS = Number(arg('checks', '50'));
const INTERVAL = arg('interval', '1s');
const SECONDS = Number(arg('seconds', '600'));
const COMMAND = arg('command', 'echo 1');
const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const PGW = process.env.PUSHGATEWAY_BIN ?? 'prometheus-pushgateway';

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = s.address();
    s.close(() => resolve(p));
  });
});
const gw = spawn(PGW, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=error'], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 1000));

const dir = mkdtempSync(path.join(tmpdir(), 'pushagent-soak-'));
mkdirSync(path.join(dir, 'checks'));
writeFileSync(path.join(dir, 'pushagent.config.yaml'), `pushgateway:\n  url: http://127.0.0.1:${port}\n`);
const checks = Array.from({ length: CHECKS }, (_, i) => `- name: soak_${i}\n  command: ${COMMAND}\n  interval: ${INTERVAL}\n  metric: {name: soak_${i}_value}\n`);
writeFileSync(path.join(dir, 'checks', 'soak.yaml'), checks.join(''));

const agent = spawn(process.execPath, [CLI, 'run', '--log-level', 'debug'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
const lateness = [];
let skipped = 0;
let failed = 0;
let rest = '';
agent.stderr.on('data', (chunk) => {
  rest += chunk;
  const lines = rest.split('\n');
  rest = lines.pop();
  for (const line of lines) {
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof e.lateness_seconds === 'number') lateness.push(e.lateness_seconds);
    if (e.msg?.startsWith('previous run still going')) skipped += 1;
    if (e.msg === 'check failed' || e.msg === 'check timed out') failed += 1;
  }
});

const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
const cpu = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime stime cutime cstime: fields 14-17, here indexes 11-14 after the command.
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
};
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

await new Promise((r) => setTimeout(r, 3000));
const start = { cpu: cpu(agent.pid), rss: rss(agent.pid), runs: lateness.length };
const rssTrail = [];
const sampler = setInterval(() => rssTrail.push(rss(agent.pid).toFixed(0)), 60_000);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
clearInterval(sampler);
const end = { cpu: cpu(agent.pid), rss: rss(agent.pid), runs: lateness.length };
agent.kill('SIGTERM');
await new Promise((r) => agent.once('exit', r));
gw.kill('SIGTERM');

const sorted = lateness.slice(start.runs, end.runs).sort((a, b) => a - b);
const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const ms = (s) => `${(s * 1000).toFixed(1)} ms`;
console.log(`daemon soak: ${CHECKS} checks (${COMMAND}) every ${INTERVAL} for ${SECONDS} s`);
console.log(`  runs measured         ${sorted.length} (expected about ${Math.round((CHECKS * SECONDS * 1000) / (INTERVAL.endsWith('ms') ? Number.parseFloat(INTERVAL) : Number.parseFloat(INTERVAL) * 1000))})`);
console.log(`  lateness p50 / p99 / max   ${ms(q(0.5))} / ${ms(q(0.99))} / ${ms(sorted.at(-1) ?? NaN)}`);
console.log(`  skipped slots         ${skipped}`);
console.log(`  failed runs           ${failed}`);
console.log(`  CPU seconds (agent + children) ${(end.cpu - start.cpu).toFixed(2)} over ${SECONDS} s = ${((100 * (end.cpu - start.cpu)) / SECONDS).toFixed(1)} % of one core; ${(((end.cpu - start.cpu) / Math.max(1, sorted.length)) * 1000).toFixed(2)} ms per run`);
console.log(`  RSS start / end       ${start.rss.toFixed(1)} MiB / ${end.rss.toFixed(1)} MiB (each minute: ${rssTrail.join(', ')} MiB)`);
