/**
 * Runs a batch job for `pushagent exec`: argv as given (no shell), stdin, stdout and stderr
 * inherited (no pipes: the job's bytes never pass through pushagent, and nothing waits on a pipe a
 * grandchild keeps open), in its own process group. Signals are forwarded to the whole group; at
 * the timeout the group is killed as checks are (STYLE rule 6): SIGTERM, the grace period, SIGKILL
 * to whatever of the group is still alive.
 */
import { constants } from 'node:os';
import { execa } from 'execa';
import { groupRunning, signalGroup } from '../checks/process.js';

export interface JobSpec {
  readonly file: string;
  readonly args: readonly string[];
  /** Added to pushagent's own environment. */
  readonly env: Readonly<Record<string, string>>;
}

export interface JobLimits {
  /** Kill the group after this long; undefined: no limit. */
  readonly timeoutMs: number | undefined;
  readonly killGraceMs: number;
}

/** How the job ended. `status` is what a shell would say: the exit code, or 128+N for signal N. */
export type JobOutcome =
  | { readonly kind: 'exited'; readonly status: number; readonly timedOut: boolean }
  | { readonly kind: 'signaled'; readonly signal: string; readonly status: number; readonly timedOut: boolean }
  | { readonly kind: 'not-started'; readonly status: number; readonly reason: string; readonly timedOut: false };

export interface RunningJob {
  /** Sends `signal` to the job's whole process group (nothing once it is empty). */
  forward(signal: NodeJS.Signals): void;
  /** Settles when the job has ended and, after a timeout, its group is gone. Never rejects. */
  readonly done: Promise<JobOutcome>;
}

export function startJob(spec: JobSpec, limits: JobLimits): RunningJob {
  let child: ReturnType<typeof spawnJob>;
  try {
    child = spawnJob(spec);
  } catch (err) {
    // Options execa refuses at once (a NUL byte in an argument): nothing was started.
    return { forward: () => {}, done: Promise.resolve(notStarted(undefined, (err as Error).message, spec.file)) };
  }
  const pgid = child.pid;
  let timedOut = false;
  let killing: Promise<void> = Promise.resolve();
  const timer =
    limits.timeoutMs === undefined || pgid === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          killing = killGroup(pgid, limits.killGraceMs);
        }, limits.timeoutMs);
  const done = (async (): Promise<JobOutcome> => {
    const r = await child;
    clearTimeout(timer);
    await killing;
    if (r.signal !== undefined) {
      const number = constants.signals[r.signal as NodeJS.Signals] ?? 0;
      return { kind: 'signaled', signal: r.signal, status: 128 + number, timedOut };
    }
    if (r.exitCode !== undefined) return { kind: 'exited', status: r.exitCode, timedOut };
    return notStarted(r.code, r.originalMessage ?? r.shortMessage ?? 'unknown error', spec.file);
  })();
  return {
    forward: (signal) => {
      if (pgid !== undefined) signalGroup(pgid, signal);
    },
    done,
  };
}

function spawnJob(spec: JobSpec) {
  return execa(spec.file, [...spec.args], {
    env: spec.env,
    stdio: 'inherit',
    detached: true,
    reject: false,
    // Our own signal forwarding and group kill; execa's cleanup is for children in our group.
    cleanup: false,
  });
}

/** The shell's statuses for a command it cannot run: 127 not found, 126 found but not runnable. */
function notStarted(code: string | undefined, message: string, file: string): JobOutcome {
  if (code === 'ENOENT')
    return {
      kind: 'not-started',
      status: 127,
      reason: `cannot run ${file}: no such file or directory`,
      timedOut: false,
    };
  if (code === 'EACCES')
    return { kind: 'not-started', status: 126, reason: `cannot run ${file}: permission denied`, timedOut: false };
  return { kind: 'not-started', status: 126, reason: `cannot run ${file}: ${message}`, timedOut: false };
}

/** SIGTERM to the group; SIGKILL after the grace period unless it is empty by then. Settles when it is. */
async function killGroup(pgid: number, graceMs: number): Promise<void> {
  signalGroup(pgid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (groupRunning(pgid) && Date.now() < until) await sleep(20);
  if (!groupRunning(pgid)) return;
  signalGroup(pgid, 'SIGKILL');
  // SIGKILL cannot be caught: the group is gone as soon as the kernel has reaped it.
  const reaped = Date.now() + 1000;
  while (groupRunning(pgid) && Date.now() < reaped) await sleep(10);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
