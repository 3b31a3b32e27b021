/**
 * Runs one child process for a check: its own process group, stdin from /dev/null, LC_ALL=C,
 * bounded output, and on abort the whole group killed (TERM, grace, KILL) without waiting for
 * pipes that escaped grandchildren may hold open (STYLE rule 6).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execa } from 'execa';

export interface ProcessSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export type ProcessOutcome =
  | { readonly kind: 'exited'; readonly exitCode: number; readonly stdout: string; readonly stderr: string }
  | { readonly kind: 'signaled'; readonly signal: string; readonly stdout: string; readonly stderr: string }
  | { readonly kind: 'not-started'; readonly reason: string }
  | { readonly kind: 'output-too-large'; readonly stream: string }
  | { readonly kind: 'aborted' };

export interface ProcessLimits {
  readonly signal: AbortSignal;
  readonly killGraceMs: number;
  readonly maxOutputBytes: number;
}

export async function runProcess(spec: ProcessSpec, limits: ProcessLimits): Promise<ProcessOutcome> {
  if (limits.signal.aborted) return { kind: 'aborted' };
  const child = execa(spec.file, spec.args, {
    cwd: spec.cwd,
    env: { LC_ALL: 'C', ...spec.env },
    extendEnv: true,
    stdin: 'ignore',
    detached: true,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: limits.maxOutputBytes,
    forceKillAfterDelay: false,
  });
  const pgid = child.pid;
  const onAbort = (): void => killGroup(pgid, child, limits.killGraceMs);
  limits.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await child;
    if (limits.signal.aborted) return { kind: 'aborted' };
    if (r.isMaxBuffer) {
      killGroup(pgid, child, limits.killGraceMs);
      return { kind: 'output-too-large', stream: r.stdout.length >= limits.maxOutputBytes ? 'stdout' : 'stderr' };
    }
    if (pgid === undefined || (r.failed && r.exitCode === undefined && r.signal === undefined)) {
      return { kind: 'not-started', reason: notStartedReason(r) };
    }
    const stdout = String(r.stdout);
    const stderr = String(r.stderr);
    if (r.signal !== undefined) return { kind: 'signaled', signal: r.signal, stdout, stderr };
    return { kind: 'exited', exitCode: r.exitCode ?? -1, stdout, stderr };
  } finally {
    limits.signal.removeEventListener('abort', onAbort);
  }
}

function notStartedReason(r: { cause?: unknown; shortMessage?: string | undefined }): string {
  const cause = r.cause as NodeJS.ErrnoException | undefined;
  if (cause?.code === 'ENOENT') return `cannot run ${cause.path ?? 'the command'}: no such file or directory`;
  if (cause?.code === 'EACCES') return `cannot run ${cause.path ?? 'the command'}: permission denied`;
  return r.shortMessage?.split('\n')[0] ?? 'the command could not be started';
}

/**
 * SIGTERM to the group now, SIGKILL after the grace period unless the group is empty by then;
 * pipes are destroyed at once so nothing waits on a grandchild holding them.
 */
function killGroup(pgid: number | undefined, child: ReturnType<typeof execa>, graceMs: number): void {
  if (pgid === undefined) return;
  signalGroup(pgid, 'SIGTERM');
  child.stdout?.destroy();
  child.stderr?.destroy();
  const timer = setTimeout(() => {
    clearInterval(poll);
    signalGroup(pgid, 'SIGKILL');
  }, graceMs);
  // Stop early once the group is empty (TERM was enough); until then the KILL stays armed.
  const poll = setInterval(() => {
    if (groupAlive(pgid)) return;
    clearTimeout(timer);
    clearInterval(poll);
  }, 20);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
}

/**
 * Whether any process of the group is still running. Zombies do not count: they are dead, only not
 * yet reaped by their new parent (in containers, an init that reaps slowly). Reads /proc on Linux,
 * falls back to signal 0 elsewhere.
 */
function groupAlive(pgid: number): boolean {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
  return pids.some((pid) => {
    try {
      // Fields after the parenthesised command: state, ppid, pgrp, ...
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z';
    } catch {
      return false;
    }
  });
}
