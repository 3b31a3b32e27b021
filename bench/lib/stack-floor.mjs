// The floor of a check run on pushagent's stack: what any Node.js agent built on the chosen
// libraries spends per run before it schedules, parses, serializes or logs anything. A bare Node
// process does the check's own work the way the agent does it — the
// command through execa with the options of src/checks/process.ts, or /proc/net/tcp and tcp6
// through fs/promises as src/checks/tcp.ts — and one undici PUT of a small body to the gateway per
// run, on one kept-alive connection. Prints the CPU seconds per run (process + reaped children).
//
// A floor, not a twin: a Node process starts a child by forking itself, and fork copies the page
// tables of all the memory the process has touched, so the same spawn costs a bigger process more
// (here 1.2 ms at 54 MiB of RSS, 3.6 ms at 105 MiB): the agent's own size is part of what it adds.
//
// Usage: node stack-floor.mjs <command|proc> <runs> <gatewayUrl> [shell command]
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { CHECK_EXECA_OPTIONS, cpuSeconds, rssMiB } from './proc.mjs';
import { Pool } from 'undici';

const [kind, runsArg, gateway, command = 'true'] = process.argv.slice(2);
const runs = Number(runsArg);

const work = {
  command: async () => {
    const r = await execa('/bin/sh', ['-c', command], CHECK_EXECA_OPTIONS);
    return new TextDecoder().decode(r.stdout).trim();
  },
  proc: async () => {
    const texts = await Promise.all(['tcp', 'tcp6'].map((f) => readFile(`/proc/net/${f}`, { encoding: 'utf8' })));
    return String(texts.reduce((n, t) => n + t.split('\n').length - 2, 0));
  },
}[kind];
if (!work) throw new Error(`unknown kind ${kind}: command or proc`);

const url = new URL(gateway);
const pool = new Pool(url.origin, { connections: 1 });
const push = async (value) => {
  const body = `# TYPE floor_value gauge\nfloor_value ${value}\n# TYPE floor_success gauge\nfloor_success 1\n`;
  const r = await pool.request({ method: 'PUT', path: '/metrics/job/stack_floor/instance/bench', body });
  await r.body.text();
  if (r.statusCode !== 200) throw new Error(`PUT answered ${r.statusCode}`);
};

// Warm-up: the connection, the JIT, the heap's young generation grown to its steady size.
for (let i = 0; i < 50; i += 1) await push(await work());
const before = cpuSeconds();
for (let i = 0; i < runs; i += 1) await push(await work());
const perRun = (cpuSeconds() - before) / runs;
await pool.close();
console.log(JSON.stringify({ perRun, rssMiB: rssMiB() }));
