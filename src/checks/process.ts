/**
 * Runs one child process for a check (execa): its own process group, stdin from /dev/null,
 * LC_ALL=C, at most `maxOutputBytes` bytes of stdout and of stderr, stdout decoded strictly as
 * UTF-8. The group never outlives the run (STYLE rule 6): on abort it is killed (TERM, grace,
 * KILL) without waiting for pipes that grandchildren may hold open, and whatever the main process
 * leaves running in it when it exits is killed the same way once its output is read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { decodeUtf8 } from '../utf8.js';

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
  | { readonly kind: 'invalid-output'; readonly stream: 'stdout'; readonly line: number; readonly exitCode: number }
  | { readonly kind: 'aborted' };

export interface ProcessLimits {
  readonly signal: AbortSignal;
  readonly killGraceMs: number;
  readonly maxOutputBytes: number;
}

/**
 * How long the pipes stay open once the group is empty: what its processes wrote is read by then;
 * only a process that left the group (setsid) can still hold them.
 */
const DRAIN_MS = 50;

export async function runProcess(spec: ProcessSpec, limits: ProcessLimits): Promise<ProcessOutcome> {
  if (limits.signal.aborted) return { kind: 'aborted' };
  const { execa } = await import('execa');
  const child = execa(spec.file, spec.args, {
    cwd: spec.cwd,
    env: { LC_ALL: 'C', ...spec.env },
    stdin: 'ignore',
    detached: true,
    encoding: 'buffer',
    maxBuffer: limits.maxOutputBytes,
    stripFinalNewline: false,
    reject: false,
    forceKillAfterDelay: false,
  });
  const pgid = child.pid;
  const pipes = { stdout: child.stdout, stderr: child.stderr };
  /** Why the group is being ended: set once, by whichever comes first. */
  let ending: 'aborted' | 'stdout' | 'stderr' | 'exited' | undefined;
  let drain: NodeJS.Timeout | undefined;
  let closing = false;
  const closePipes = (): void => {
    closing = true;
    pipes.stdout.destroy();
    pipes.stderr.destroy();
  };
  const end = (why: NonNullable<typeof ending>): void => {
    if (pgid === undefined || ending !== undefined) return;
    ending = why;
    if (why === 'exited') {
      endGroup(pgid, limits.killGraceMs, () => (drain = setTimeout(closePipes, DRAIN_MS)));
    } else {
      closePipes();
      endGroup(pgid, limits.killGraceMs, () => {});
    }
  };
  const onAbort = (): void => {
    if (ending === undefined) end('aborted');
    if (ending !== 'exited') return;
    // The main process is gone; its output is no longer wanted.
    ending = 'aborted';
    closePipes();
  };
  limits.signal.addEventListener('abort', onAbort, { once: true });
  for (const name of ['stdout', 'stderr'] as const) {
    // Closed before its end and not by us: execa's maxBuffer cut it.
    pipes[name].once('close', () => {
      if (!pipes[name].readableEnded && !closing) end(name);
    });
  }
  child.once('exit', () => end('exited'));
  try {
    const r = await child;
    if (ending === 'aborted') return { kind: 'aborted' };
    if (ending === 'stdout' || ending === 'stderr') return { kind: 'output-too-large', stream: ending };
    if (r.isMaxBuffer) return { kind: 'output-too-large', stream: r.stdout.length >= limits.maxOutputBytes ? 'stdout' : 'stderr' };
    if (r.exitCode === undefined && r.signal === undefined) return { kind: 'not-started', reason: notStartedReason(r) };
    const stderr = new TextDecoder().decode(r.stderr);
    if (r.signal !== undefined) return { kind: 'signaled', signal: r.signal, stdout: new TextDecoder().decode(r.stdout), stderr };
    const exitCode = r.exitCode ?? -1;
    const stdout = decodeUtf8(r.stdout);
    if (!stdout.ok) return { kind: 'invalid-output', stream: 'stdout', line: stdout.line, exitCode };
    return { kind: 'exited', exitCode, stdout: stdout.text, stderr };
  } finally {
    clearTimeout(drain);
    limits.signal.removeEventListener('abort', onAbort);
  }
}

/** No such program and permission denied in plain words; anything else as execa words it. */
function notStartedReason(r: { readonly cause?: unknown; readonly shortMessage?: string }): string {
  const cause = r.cause as NodeJS.ErrnoException | undefined;
  if (cause?.code === 'ENOENT') return `cannot run ${cause.path ?? 'the command'}: no such file or directory`;
  if (cause?.code === 'EACCES') return `cannot run ${cause.path ?? 'the command'}: permission denied`;
  return r.shortMessage?.split('\n')[0] ?? 'the command could not be started';
}

/**
 * SIGTERM to the group now, SIGKILL after the grace period unless the group is empty by then;
 * `onEmpty` once it is (or once SIGKILL is sent).
 */
function endGroup(pgid: number, graceMs: number, onEmpty: () => void): void {
  if (!signalGroup(pgid, 'SIGTERM')) return onEmpty();
  const timer = setTimeout(() => {
    clearInterval(poll);
    signalGroup(pgid, 'SIGKILL');
    onEmpty();
  }, graceMs);
  // Stop early once the group is empty (TERM was enough); until then the KILL stays armed.
  const poll = setInterval(() => {
    if (groupAlive(pgid)) return;
    clearTimeout(timer);
    clearInterval(poll);
    onEmpty();
  }, 20);
}

/** Whether the group had any process to signal. */
function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is already empty.
    return false;
  }
}

/**
 * Whether any process of the group is still running. Zombies do not count: they are dead, only not
 * yet reaped by their new parent (in containers, an init that reaps slowly). Signal 0 first, then
 * /proc on Linux; elsewhere signal 0 alone.
 */
function groupAlive(pgid: number): boolean {
  // No process at all: the usual answer, without reading every /proc/PID/stat of the host.
  if (!signalGroup(pgid, 0)) return false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return true;
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
