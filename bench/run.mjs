#!/usr/bin/env node
// `npm run bench`: every benchmark against its baselines, measured in the same run, each with its
// own Pushgateway(s) on loopback. Prints medians with min and max, the ratios against the targets,
// and appends a dated block to bench/RESULTS.md. Bounded: about 5 minutes (--quick: about 1),
// and a watchdog stops everything past twice that.
//
// Usage: node bench/run.mjs [--quick] [--only start,daemon,serializer,scale,outputs,fleet] [--no-record]
// The fleet benchmark adds up to 15 minutes (--quick: 4).
// PUSHAGENT_CLI=/other/build/dist/cli.js measures another build (the serializer is always src/'s).
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { daemonCost } from './lib/daemon-cost.mjs';
import { fleet } from './lib/fleet.mjs';
import { CLI, ROOT, cleanup } from './lib/harness.mjs';
import { oneShot } from './lib/one-shot.mjs';
import { outputs } from './lib/outputs.mjs';
import { scale } from './lib/scale.mjs';
import { serializerIsolated } from './lib/serializer.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const option = (name) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const QUICK = flag('quick');
const ALL = ['start', 'daemon', 'serializer', 'scale', 'outputs', 'fleet'];
const only = (option('only') ?? ALL.join(',')).split(',');
const unknown = only.filter((b) => !ALL.includes(b));
if (unknown.length > 0 || flag('help')) {
  console.error(`usage: node bench/run.mjs [--quick] [--only ${ALL.join(',')}] [--no-record]`);
  process.exit(unknown.length > 0 ? 3 : 0);
}

const PLAN = QUICK
  ? {
      start: { runs: 5 },
      daemon: { seconds: 10, windowS: 5, batchRuns: 5 },
      serializer: { sizes: [10_000, 100_000], reps: 3 },
      scale: { count: 200, seconds: 10, kinds: ['exec', 'execHost', 'execUnit', 'tcp'] },
      outputs: { sizes: [100, 1000], puts: 50, rounds: 20, checks: 100, perCheck: 20 },
      fleet: {
        sizes: [100, 300, 1000],
        fillS: 8,
        windowS: 8,
        combos: ['check-aligned', 'host-splayed', 'remote_write_process'],
      },
    }
  : {
      start: { runs: 30 },
      daemon: { seconds: 60, windowS: 10, batchRuns: 10 },
      serializer: { sizes: [10_000, 100_000], reps: 11 },
      scale: { count: 200, seconds: 60, kinds: ['exec', 'execHost', 'execUnit', 'tcp'] },
      outputs: { sizes: [100, 1000, 2000, 4000], puts: 200, rounds: 60, checks: 100, perCheck: 20 },
      fleet: { sizes: [30, 100, 200, 300, 600, 1000, 3000, 10_000], fillS: 15, windowS: 15 },
    };
const BENCHES = { start: oneShot, daemon: daemonCost, serializer: serializerIsolated, scale, outputs, fleet };

const log = (line) => console.log(line);
const watchdog = setTimeout(
  () => {
    console.error('bench: over the time bound; stopping everything');
    cleanup();
    process.exit(1);
  },
  ((QUICK ? 3 : 15) + (only.includes('fleet') ? (QUICK ? 4 : 15) : 0)) * 60_000,
);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

if (!existsSync(CLI)) {
  console.error('bench: dist/cli.js is missing: run `npm run build` first');
  process.exit(1);
}
const newest = (dir) =>
  Math.max(...readdirSync(dir, { recursive: true }).map((f) => statSync(path.join(dir, f)).mtimeMs));
if (!process.env.PUSHAGENT_CLI && newest(path.join(ROOT, 'src')) > statSync(CLI).mtimeMs)
  log('bench: WARNING: src/ is newer than dist/: run `npm run build` to measure the current code');

const git = (...args) => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};
const started = new Date();
const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
const dirty = process.env.PUSHAGENT_CLI
  ? `; CLI under test: ${CLI}`
  : git('status', '--porcelain', '--', 'src', 'package.json')
    ? ' + uncommitted changes'
    : '';
const machine = `${os.cpus()[0]?.model.trim() ?? 'cpu'}, ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${os.release()}`;
const heading = `## ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC${QUICK ? ' (--quick)' : ''}`;
log(`${heading}\n\ncommit ${commit}${dirty}; Node ${process.version}; ${machine}\n`);

// Run order: the one-shot benchmark after the daemon's, since each run of a baseline opens a new
// connection whose socket stays in TIME_WAIT for 60 s. The serializer runs in a process of its own.
const ORDER = ['daemon', 'scale', 'start', 'outputs', 'fleet', 'serializer'];
const results = [];
try {
  for (const id of ORDER.filter((b) => only.includes(b))) {
    const t0 = performance.now();
    log(`${id}...`);
    results.push(await BENCHES[id]({ ...PLAN[id], log }));
    log(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
} finally {
  cleanup();
}
results.sort((a, b) => ALL.indexOf(a.id) - ALL.indexOf(b.id));

const table = (header, rows) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
const blocks = results.map(
  (r) => `### ${r.title}\n\n${table(r.header, r.rows)}\n${(r.notes ?? []).map((n) => `\n${n}\n`).join('')}`,
);
const targets = results.flatMap((r) => r.targets);
const summary = table(
  ['target', 'measured', 'limit', ''],
  targets.map((t) => [t.what, t.shown, `${t.cmp} ${t.limitShown}`, t.met ? 'met' : '**not met**']),
);
const seconds = ((Date.now() - started.getTime()) / 1000).toFixed(0);
const text = `${heading}\n\ncommit ${commit}${dirty}; Node ${process.version}; ${machine}; took ${seconds} s.\n\n${blocks.join('\n')}\n### Targets\n\n${summary}\n`;
log(`\n${text}`);

if (!flag('no-record')) {
  const file = path.join(ROOT, 'bench', 'RESULTS.md');
  if (!existsSync(file))
    writeFileSync(
      file,
      '# Benchmark results\n\nAppended by `npm run bench` (bench/run.mjs), newest last. See docs/performance.md.\n',
    );
  appendFileSync(file, `\n${text}`);
  log(`appended to ${path.relative(process.cwd(), file) || file}`);
}
clearTimeout(watchdog);
