// What every benchmark shares: Pushgateways on loopback, /proc readings, statistics, temporary
// folders, and cleanup of everything started here (by pid, never by name).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The CLI under test: ours, or another build's (PUSHAGENT_CLI=/path/to/dist/cli.js) to compare. */
export const CLI = process.env.PUSHAGENT_CLI
  ? path.resolve(process.env.PUSHAGENT_CLI)
  : path.join(ROOT, 'dist', 'cli.js');
export const PEERS = process.env.PUSHAGENT_PEERS ?? path.resolve(ROOT, '..', 'shared', 'peers');
const PGW = process.env.PUSHGATEWAY_BIN ?? 'prometheus-pushgateway';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const children = new Set();
const dirs = new Set();

/** Spawns a process that cleanup() will stop if it is still running. */
export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Stops every process started through track() and removes every tempDir(). */
export function cleanup() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {}
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(tmpdir(), `pushagent-bench-${prefix}-`));
  dirs.add(dir);
  return dir;
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A fresh Pushgateway on a free loopback port, persistence off; resolves once it answers /-/ready. */
export async function startGateway() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = track(
    spawn(PGW, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=error'], {
      stdio: 'ignore',
    }),
  );
  let failed;
  proc.once('error', (err) => (failed = err));
  for (let i = 0; i < 200 && !failed; i += 1) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {}
    await sleep(25);
  }
  if (failed)
    throw new Error(`cannot start ${PGW}: ${failed.message} (Debian: apt-get install prometheus-pushgateway)`);
  return {
    url,
    pid: proc.pid,
    /** The label sets of the groups it holds. */
    groups: async () => (await (await fetch(`${url}/api/v1/metrics`)).json()).data.map((g) => g.labels),
    /** Its /metrics text (what Prometheus would scrape). */
    scrape: async () => (await fetch(`${url}/metrics`)).text(),
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

/** Sum of the samples of `name` in exposition text, optionally only those whose labels contain `match`. */
export function sumSamples(text, name, match = '') {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (match && !line.includes(match)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export { TICK, anonMiB, cpuParts, cpuSeconds, rssMiB } from './proc.mjs';

/** Median, min and max of a non-empty list. */
export function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s.at(-1), n: s.length };
}

/** The p-quantile (0..1) of a sorted list, nearest rank. */
export function quantile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** A measured ratio or figure against its target. */
export function target(what, value, cmp, limit, format = (v) => `${v.toFixed(2)}×`) {
  const met =
    cmp === '<=' ? value <= limit : cmp === '<' ? value < limit : cmp === '>=' ? value >= limit : value === limit;
  return { what, value, cmp, limit, met, shown: format(value), limitShown: format(limit) };
}

export const fmt = {
  ms: (s) => `${(s * 1000).toFixed(1)} ms`,
  msPrecise: (s) => `${(s * 1000).toFixed(3)} ms`,
  mib: (m) => `${m.toFixed(1)} MiB`,
  pct: (p) => `${p.toFixed(1)} %`,
};

/** `median (min–max)` of stats(), each formatted by `f`. */
export const spread = (st, f) => `${f(st.median)} (${f(st.min)} – ${f(st.max)})`;

/** Whether a command exists on PATH (or as a path). */
export function have(cmd, args = ['--version']) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error;
}

/**
 * pushagent's own modules, bundled from src/ by esbuild as the CLI is, for a benchmark that drives
 * them directly. `exports`: [names, path under src/ or a package name] pairs.
 */
export async function bundleSrc(prefix, exports) {
  const dir = tempDir(prefix);
  const entry = path.join(dir, 'entry.ts');
  const from = (f) => JSON.stringify(f.endsWith('.ts') ? path.join(ROOT, 'src', f) : f);
  writeFileSync(entry, exports.map(([names, f]) => `export { ${names.join(', ')} } from ${from(f)};`).join('\n'));
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.18',
    write: false,
    logLevel: 'warning',
    nodePaths: [path.join(ROOT, 'node_modules')],
    // undici is CommonJS: the bundle needs a require, as the CLI's build gives it.
    banner: { js: "import{createRequire as __r}from'node:module';const require=__r(import.meta.url);" },
  });
  const out = path.join(dir, 'entry.mjs');
  writeFileSync(out, r.outputFiles[0].text);
  return import(pathToFileURL(out).href);
}
