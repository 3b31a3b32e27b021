#!/usr/bin/env node
// Daemon soak: N exec checks at a fixed interval for a while, against a real Pushgateway on
// loopback. Prints scheduling lateness (p50/p99/max), skipped slots, CPU seconds (agent and its
// children), RSS at start and end and each minute. Bounded: it stops by itself after --seconds.
// The same session as benchmark 4 of `npm run bench` (bench/lib/scale.mjs), with its own knobs.
// Usage: node bench/daemon-soak.mjs [--checks 50] [--interval 1s] [--seconds 600] [--command true]
import { cleanup } from './lib/harness.mjs';
import { scaleSession } from './lib/scale.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const CHECKS = Number(arg('checks', '50'));
const INTERVAL = arg('interval', '1s');
const SECONDS = Number(arg('seconds', '600'));
const COMMAND = arg('command', 'echo 1');
const intervalS = INTERVAL.endsWith('ms') ? Number.parseFloat(INTERVAL) / 1000 : Number.parseFloat(INTERVAL);
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const checks = Array.from(
  { length: CHECKS },
  (_, i) => `- name: soak_${i}\n  command: ${COMMAND}\n  interval: ${INTERVAL}\n  metric: {name: soak_${i}_value}\n`,
).join('');
let r;
try {
  r = await scaleSession({
    count: CHECKS,
    checks,
    seconds: SECONDS,
    intervalS,
    warmupS: 3,
    windowS: Math.min(60, SECONDS),
  });
} finally {
  cleanup();
}
const ms = (s) => `${(s * 1000).toFixed(1)} ms`;
const cpu = r.cpuPerRun * Math.max(1, r.runs);
console.log(`daemon soak: ${CHECKS} checks (${COMMAND}) every ${INTERVAL} for ${SECONDS} s`);
console.log(`  runs measured         ${r.runs} (expected about ${r.expected})`);
console.log(`  lateness p50 / p99 / max   ${ms(r.p50)} / ${ms(r.p99)} / ${ms(r.max)}`);
console.log(`  skipped slots         ${r.skipped}`);
console.log(`  failed runs           ${r.failed}`);
console.log(
  `  CPU seconds (agent + children) ${cpu.toFixed(2)} over ${SECONDS} s = ${((100 * cpu) / SECONDS).toFixed(1)} % of one core; ${(r.cpuPerRun * 1000).toFixed(2)} ms per run`,
);
console.log(
  `  RSS start / end       ${r.rssStart.toFixed(1)} MiB / ${r.rssEnd.toFixed(1)} MiB (each minute: ${r.rssEachMinute.map((m) => m.toFixed(0)).join(', ')} MiB)`,
);
