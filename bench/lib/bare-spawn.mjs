// How late the last of N processes starts when one Node process starts them all at once, as
// child_process allows (each spawn forks and waits for the exec): the floor of the lateness of
// N exec checks sharing a slot. Prints the milliseconds from the first spawn to the last, per burst.
// Usage: node bare-spawn.mjs [N] [bursts]
import { spawn } from 'node:child_process';

const n = Number(process.argv[2] ?? 200);
const bursts = Number(process.argv[3] ?? 5);
const run = () =>
  new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', 'true'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      env: { ...process.env, LC_ALL: 'C' },
    });
    child.stdout.resume();
    child.stderr.resume();
    child.on('close', resolve);
  });
const spans = [];
for (let b = 0; b < bursts; b += 1) {
  const t0 = performance.now();
  const all = [];
  for (let i = 0; i < n; i += 1) all.push(run());
  spans.push(performance.now() - t0);
  await Promise.all(all);
  await new Promise((r) => setTimeout(r, 200));
}
console.log(JSON.stringify(spans));
