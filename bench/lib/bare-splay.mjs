// The floor of the exec lateness with splay: a bare Node process starts the same commands at the
// same phases as the agent would (one timer per check, n × interval + phase),
// through execa with the options of src/checks/process.ts, and nothing else: no parsing, no push,
// no log. A Node process starts a child by forking itself and waits until the child has exec'd, so
// each start holds the event loop for the fork; when two phases fall close together the second
// waits. Prints lateness quantiles (ms) and CPU per run (process + reaped children, ms).
//
// A floor, not a twin: fork copies the page tables of all the memory a process has touched, so the
// same spawn costs a bigger process more (here 1.2 ms at 54 MiB of RSS, 3.6 ms at 105 MiB), and
// the agent's own size is part of what it adds. (Padding this process with buffers to the agent's
// size made each fork cost twice the agent's: a heap of many separate mappings is not the agent's.)
//
// Usage: node bare-splay.mjs <phasesJson> <intervalMs> <warmupS> <seconds>
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { CHECK_EXECA_OPTIONS, cpuSeconds, rssMiB } from './proc.mjs';

const [phasesFile, intervalArg, warmupArg, secondsArg] = process.argv.slice(2);
const phases = JSON.parse(readFileSync(phasesFile, 'utf8'));
const interval = Number(intervalArg);
const warmupEnd = Date.now() + Number(warmupArg) * 1000;
const end = warmupEnd + Number(secondsArg) * 1000;

const lateness = [];
let runs = 0;
let cpuAtWarmup;
const run = () => execa('true', [], CHECK_EXECA_OPTIONS);

/** Arms the timer of the check with `phase` for its next slot after now; stops at the end. */
function arm(phase) {
  const now = Date.now();
  const slot = Math.floor((now - phase) / interval) * interval + interval + phase;
  if (slot >= end) return;
  setTimeout(() => {
    const late = Date.now() - slot;
    if (slot >= warmupEnd) {
      cpuAtWarmup ??= cpuSeconds();
      lateness.push(late);
      runs += 1;
    }
    void run().then(() => arm(phase));
  }, slot - now);
}
for (const phase of phases) arm(phase);
await new Promise((resolve) => setTimeout(resolve, end - Date.now() + 2000));
const cpu = cpuSeconds() - (cpuAtWarmup ?? cpuSeconds());
lateness.sort((a, b) => a - b);
const q = (p) => lateness[Math.min(lateness.length - 1, Math.floor(p * lateness.length))];
console.log(
  JSON.stringify({
    runs,
    p50: q(0.5),
    p99: q(0.99),
    max: lateness.at(-1),
    cpuPerRunMs: (1000 * cpu) / runs,
    rssMiB: rssMiB(),
  }),
);
