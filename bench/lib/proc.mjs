// What the benchmarks read of a process from /proc, and how a floor script starts a command as the
// agent does. No dependency: the floor scripts (stack-floor.mjs, bare-splay.mjs) load this and
// nothing of the harness, so that they stay the bare Node processes they measure.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU seconds of a process and of its reaped children. The process's own time is exact: for this
 * process getrusage (process.cpuUsage), for another the nanoseconds each of its threads has run
 * (/proc/PID/task/TID/schedstat); /proc/PID/stat's utime and stime count whole clock ticks (10 ms),
 * too coarse for a few milliseconds per run over a 10 s window. Reaped children's time (cutime +
 * cstime) exists only in ticks.
 */
export function cpuSeconds(pid = 'self') {
  const { own, children } = cpuParts(pid);
  return own + children;
}

/** cpuSeconds in its two parts: the process's own threads, and its reaped children. */
export function cpuParts(pid = 'self') {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 of proc(5), here indexes 11-14 after the command.
  const children = (Number(f[13]) + Number(f[14])) / TICK;
  if (pid === 'self' || pid === process.pid) {
    const { user, system } = process.cpuUsage();
    return { own: (user + system) / 1e6, children };
  }
  let own = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      own += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
    } catch {
      // The thread ended since the listing.
    }
  }
  return { own, children };
}

/** Resident set size in MiB. */
export function rssMiB(pid = 'self') {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

/**
 * Anonymous resident memory in MiB (RssAnon: the heaps, not the mapped node binary): what a fork
 * copies page tables for, so what makes starting a child from a Node process cost more.
 */
export function anonMiB(pid = 'self') {
  return Number(/RssAnon:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
}

/** The execa options src/checks/process.ts starts a check's command with (1 MiB of output). */
export const CHECK_EXECA_OPTIONS = Object.freeze({
  env: { LC_ALL: 'C' },
  stdin: 'ignore',
  detached: true,
  encoding: 'buffer',
  maxBuffer: 1 << 20,
  stripFinalNewline: false,
  reject: false,
  forceKillAfterDelay: false,
});
