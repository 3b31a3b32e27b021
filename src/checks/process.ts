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
  /** The agent's view of /proc, shared by every run (one is made per run otherwise). */
  readonly processes?: ProcessTable;
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
  const group = { pgid: pgid ?? 0, since: performance.now(), processes: limits.processes ?? new ProcessTable() };
  const pipes = { stdout: child.stdout, stderr: child.stderr };
  /** Why the group is being ended: set once, by whichever comes first. */
  let ending: 'aborted' | 'stdout' | 'stderr' | 'exited' | undefined;
  let drain: NodeJS.Timeout | undefined;
  let closing = false;
  let exited = false;
  const closePipes = (): void => {
    closing = true;
    pipes.stdout.destroy();
    pipes.stderr.destroy();
  };
  const end = (why: NonNullable<typeof ending>): void => {
    if (pgid === undefined || ending !== undefined) return;
    ending = why;
    if (why === 'exited') {
      endGroup(
        group,
        limits.killGraceMs,
        () => exited,
        () => (drain = setTimeout(closePipes, DRAIN_MS)),
      );
    } else {
      closePipes();
      endGroup(
        group,
        limits.killGraceMs,
        () => exited,
        () => {},
      );
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
  child.once('exit', () => {
    exited = true;
    end('exited');
  });
  try {
    const r = await child;
    if (ending === 'aborted') return { kind: 'aborted' };
    if (ending === 'stdout' || ending === 'stderr') return { kind: 'output-too-large', stream: ending };
    if (r.isMaxBuffer)
      return { kind: 'output-too-large', stream: r.stdout.length >= limits.maxOutputBytes ? 'stdout' : 'stderr' };
    if (r.exitCode === undefined && r.signal === undefined) return { kind: 'not-started', reason: notStartedReason(r) };
    const stderr = new TextDecoder().decode(r.stderr);
    if (r.signal !== undefined)
      return { kind: 'signaled', signal: r.signal, stdout: new TextDecoder().decode(r.stdout), stderr };
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

/** How often a group being ended is checked for processes left (signal 0). */
const POLL_MS = 20;

/**
 * Which process groups still have a running process; zombies do not count: they are dead, only not
 * yet reaped by their new parent (in containers, an init that reaps slowly). One read of /proc
 * serves every group being ended for SCAN_MS: reading every /proc/PID/stat takes milliseconds on a
 * busy host, and an agent may end a hundred groups a second while zombies linger.
 */
export class ProcessTable {
  static readonly SCAN_MS = 100;
  #readAt = Number.NEGATIVE_INFINITY;
  /** undefined: no /proc to read (not Linux); whatever signal 0 finds counts as running. */
  #running: ReadonlySet<number> | undefined;

  /** Whether group `pgid`, made at `since` (performance.now()), has a running process. */
  running(pgid: number, since: number): boolean {
    const now = performance.now();
    // A read from before the group was made would not know it: it would look empty.
    if (this.#readAt < since || now - this.#readAt > ProcessTable.SCAN_MS) {
      this.#running = runningGroups();
      this.#readAt = now;
    }
    return this.#running?.has(pgid) ?? true;
  }
}

interface Group {
  readonly pgid: number;
  /** When the group was made (performance.now()). */
  readonly since: number;
  readonly processes: ProcessTable;
}

/**
 * SIGTERM to the group now, SIGKILL after the grace period unless the group is empty by then;
 * `onEmpty` once it is (or once SIGKILL is sent). `reaped` says whether the main process (the
 * group's leader, our child) has been reaped: until then the group cannot be empty.
 */
function endGroup(group: Group, graceMs: number, reaped: () => boolean, onEmpty: () => void): void {
  const { pgid } = group;
  if (!signalGroup(pgid, 'SIGTERM')) return onEmpty();
  const timer = setTimeout(() => {
    clearInterval(poll);
    signalGroup(pgid, 'SIGKILL');
    onEmpty();
  }, graceMs);
  // Stop early once the group is empty (TERM was enough); until then the KILL stays armed.
  const poll = setInterval(() => {
    if (!reaped() || (signalGroup(pgid, 0) && group.processes.running(pgid, group.since))) return;
    clearTimeout(timer);
    clearInterval(poll);
    onEmpty();
  }, POLL_MS);
}

/** Whether group `pgid` has a running process now (zombies do not count): /proc on Linux, signal 0 elsewhere. */
export function groupRunning(pgid: number): boolean {
  return signalGroup(pgid, 0) && (runningGroups()?.has(pgid) ?? true);
}

/** Whether the group had any process to signal, zombies included. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: the group is already empty.
    return false;
  }
}

/** The groups with a process that is not a zombie, from /proc; undefined without one (not Linux). */
function runningGroups(): Set<number> | undefined {
  const groups = new Set<number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    try {
      // Fields after the parenthesised command: state, ppid, pgrp, ...
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state !== 'Z') groups.add(Number(pgrp));
    } catch {
      // Gone since the listing.
    }
  }
  return groups;
}
