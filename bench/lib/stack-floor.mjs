// The floor of a check run on pushagent's stack: what any Node.js agent built on the chosen
// libraries spends per run before it schedules, parses, serializes or logs anything. A bare Node
// process does the check's own work the way the agent does it — the
// command through execa with the options of src/checks/process.ts, or /proc/net/tcp and tcp6
// through fs/promises as src/checks/tcp.ts — and one undici PUT of a small body to the gateway per
// run, on one kept-alive connection. Prints the CPU seconds per run (process + reaped children, and
// the process's own).
//
// A floor, not a twin: a Node process starts a child by forking itself, and fork copies the page
// tables of all the memory the process has touched, so the same spawn costs a bigger process more
// (here 1.2 ms at 54 MiB of RSS, 3.6 ms at 105 MiB): the agent's own size is part of what it adds.
//
// Paced (--pace-ms=N), each run starts at the next multiple of N ms of the wall clock, as the
// agent's interval slots do, and the process sleeps in between: waking a sleeping process costs
// more than the next turn of a busy loop (here ~2 ms of CPU per run at a 200 ms pace, for the
// same work), so a daemon's floor is the paced one. The 50 warm-up runs are back to back.
//
// Usage: node stack-floor.mjs <command|proc> <runs> <gatewayUrl> [--pace-ms=N] [shell command]
import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { CHECK_EXECA_OPTIONS, cpuParts, rssMiB } from './proc.mjs';
// undici's Pool and request() from their own modules, as src/sinks/http-client.ts loads them.
import request from 'undici/lib/api/api-request.js';
import Pool from 'undici/lib/dispatcher/pool.js';

const [kind, runsArg, gateway, ...rest] = process.argv.slice(2);
const runs = Number(runsArg);
const paceArg = rest[0]?.startsWith('--pace-ms=') ? rest.shift() : undefined;
const paceMs = paceArg ? Number(paceArg.slice('--pace-ms='.length)) : 0;
const command = rest[0] ?? 'true';

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
  const r = await request.call(pool, { method: 'PUT', path: '/metrics/job/stack_floor/instance/bench', body });
  await r.body.text();
  if (r.statusCode !== 200) throw new Error(`PUT answered ${r.statusCode}`);
};

// Warm-up: the connection, the JIT, the heap's young generation grown to its steady size.
for (let i = 0; i < 50; i += 1) await push(await work());
const before = cpuParts();
const nextSlot = () => new Promise((resolve) => setTimeout(resolve, paceMs - (Date.now() % paceMs)));
for (let i = 0; i < runs; i += 1) {
  if (paceMs) await nextSlot();
  await push(await work());
}
const after = cpuParts();
const ownPerRun = (after.own - before.own) / runs;
const perRun = ownPerRun + (after.children - before.children) / runs;
await pool.close();
console.log(JSON.stringify({ perRun, ownPerRun, rssMiB: rssMiB() }));
