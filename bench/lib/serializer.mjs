// Benchmark 3, serializer: the same series (100 gauge families, label values and HELP texts that
// need escaping) through our text-format serializer (src/expose/text.ts, bundled here by esbuild
// as the CLI is) and through prom-client's `registry.metrics()`. Both outputs must hold the same
// lines, so the two do the same work. It runs in a Node process of its own (serializerIsolated):
// the heap the other benchmarks leave in the runner slowed it, and its heap slowed them.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import client from 'prom-client';
import { ROOT, cleanup, fmt, spread, stats, target, tempDir } from './harness.mjs';

const FAMILIES = 100;
const WARMUP = 5;

async function loadSerializer() {
  const out = path.join(tempDir('serializer'), 'text.mjs');
  const r = await build({
    entryPoints: [path.join(ROOT, 'src/expose/text.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.18',
    minify: true,
    write: false,
    logLevel: 'warning',
  });
  writeFileSync(out, r.outputFiles[0].text);
  return import(pathToFileURL(out).href);
}

/** Deterministic data: `series` samples over FAMILIES families, three labels each, values escaping. */
function makeData(series) {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const perFamily = series / FAMILIES;
  const families = [];
  for (let f = 0; f < FAMILIES; f += 1) {
    const name = `bench_family_${String(f).padStart(3, '0')}_bytes`;
    const samples = [];
    for (let i = 0; i < perFamily; i += 1) {
      // Keys in name order: prom-client prints them as given, ours sorted.
      const labels = {
        note: i % 3 === 0 ? `line one\nline "two" \\ ${i}` : `plain-${i}`,
        path: `C:\\data\\"vol ${i % 17}"\\file_${i}`,
        shard: String(i % 8),
      };
      samples.push({ name, labels, value: Math.round(random() * 1e9) / 1e3 });
    }
    families.push({ name, type: 'gauge', help: `Bytes of family ${f}\nwith a \\ backslash.`, samples });
  }
  return families;
}

function promClientRegistry(families) {
  const registry = new client.Registry();
  for (const fam of families) {
    const g = new client.Gauge({
      name: fam.name,
      help: fam.help,
      labelNames: ['note', 'path', 'shard'],
      registers: [registry],
    });
    for (const s of fam.samples) g.set(s.labels, s.value);
  }
  return registry;
}

const sortedLines = (text) => text.split('\n').filter(Boolean).sort();

async function time(fn, reps) {
  for (let i = 0; i < WARMUP; i += 1) await fn(); // the JIT's optimised code is what a daemon runs
  const t = [];
  for (let i = 0; i < reps; i += 1) {
    const t0 = performance.now();
    await fn();
    t.push((performance.now() - t0) / 1000);
  }
  return stats(t);
}

export async function serializer({ sizes, reps, log }) {
  const { serialize } = await loadSerializer();
  const rows = [];
  const targets = [];
  const figures = {};
  for (const series of sizes) {
    const families = makeData(series);
    const registry = promClientRegistry(families);
    const ours = serialize(families);
    const theirs = await registry.metrics();
    const [a, b] = [sortedLines(ours), sortedLines(theirs)];
    if (a.length !== b.length || a.some((l, i) => l !== b[i]))
      throw new Error(`the two serializers disagree on ${series} series`);
    const mine = await time(() => serialize(families), reps);
    const pc = await time(() => registry.metrics(), reps);
    const speed = pc.median / mine.median;
    figures[series] = { ours: mine, promClient: pc, speed, bytes: Buffer.byteLength(ours) };
    log(
      `  ${series} series: ours ${spread(mine, fmt.ms)}, prom-client ${spread(pc, fmt.ms)}: ${speed.toFixed(2)}× as fast`,
    );
    rows.push([
      `${series.toLocaleString('en')} series, ${(Buffer.byteLength(ours) / 2 ** 20).toFixed(1)} MiB`,
      spread(mine, fmt.ms),
      spread(pc, fmt.ms),
      `${speed.toFixed(2)}×`,
    ]);
    targets.push(target(`serializer speed ÷ prom-client, ${series.toLocaleString('en')} series`, speed, '>=', 2));
  }
  return {
    id: 'serializer',
    title: `Serializer: ${FAMILIES} gauge families, 3 labels per series (escapes in values and HELP), median of ${reps} runs after ${WARMUP} warm-ups`,
    header: ['data', 'ours `serialize()`', 'prom-client `registry.metrics()`', 'speed ÷ prom-client'],
    rows,
    targets,
    figures,
  };
}

/** serializer() in a fresh Node process (this file run directly), its log lines passed on. */
export async function serializerIsolated({ sizes, reps, log }) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify({ sizes, reps })], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let rest = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d) => {
    const lines = (rest + d).split('\n');
    rest = lines.pop();
    lines.forEach((l) => log(l));
  });
  const code = await new Promise((r) => child.once('close', r));
  if (code !== 0) throw new Error(`the serializer benchmark failed (exit ${code}): ${rest}`);
  return JSON.parse(out);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const plan = JSON.parse(process.argv[2]);
    process.stdout.write(
      JSON.stringify(await serializer({ ...plan, log: (line) => process.stderr.write(`${line}\n`) })),
    );
  } finally {
    cleanup();
  }
}
