/**
 * Runs one child process for a check: its own process group, stdin from /dev/null, LC_ALL=C,
 * bounded output, and on abort the whole group killed (TERM, grace, KILL) without waiting for
 * pipes that escaped grandchildren may hold open (STYLE rule 6).
 *
 * node:child_process directly: this is the daemon's hot path, and execa cost about 0.7 ms of CPU
 * more per run, and its load time in `once` (bench/). The outcomes are those execa gave: output
 * decoded as UTF-8 as it comes (StringDecoder), `maxOutputBytes` counted in decoded characters per
 * stream as execa's maxBuffer did, the same reasons when a command cannot start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { commandFailedReason } from './spawn-errors.js';

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
  // As execa did: a caller's bug, reported by run-check as an internal error.
  const nul = spec.args.find((arg) => arg.includes('\0'));
  if (nul !== undefined) throw new TypeError(`Arguments cannot contain null bytes ("\\0"): ${nul}`);
  let child: ChildProcess;
  try {
    child = spawn(spec.file, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, LC_ALL: 'C', ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
  } catch (err) {
    // Invalid options (a NUL byte in the file, env or cwd) throw at once; nothing was started.
    return { kind: 'not-started', reason: notStartedReason(err, spec) };
  }
  const pgid = child.pid;
  return new Promise<ProcessOutcome>((resolve) => {
    let settled: ProcessOutcome | undefined;
    const settle = (outcome: ProcessOutcome): void => {
      settled ??= outcome;
    };
    const finish = (): void => {
      limits.signal.removeEventListener('abort', onAbort);
      resolve(settled!);
    };
    const onAbort = (): void => {
      settle({ kind: 'aborted' });
      killGroup(pgid, child, limits.killGraceMs);
    };
    if (pgid === undefined) {
      // The spawn failed (no such program, permission denied): 'error' says why.
      child.once('error', (err) => {
        settle({ kind: 'not-started', reason: notStartedReason(err, spec) });
        finish();
      });
      return;
    }
    limits.signal.addEventListener('abort', onAbort, { once: true });
    const out = collect(child.stdout!, 'stdout');
    const err = collect(child.stderr!, 'stderr');
    function collect(stream: NodeJS.ReadableStream, name: string): { text: () => string } {
      const decoder = new StringDecoder('utf8');
      let text = '';
      const add = (part: string): void => {
        text += part;
        if (text.length <= limits.maxOutputBytes || settled) return;
        settle({ kind: 'output-too-large', stream: name });
        killGroup(pgid, child, limits.killGraceMs);
      };
      stream.on('data', (chunk: Buffer) => {
        if (!settled) add(decoder.write(chunk));
      });
      return {
        text: () => {
          add(decoder.end());
          return text;
        },
      };
    }
    // The child's 'error' after a successful spawn (a failed kill) changes nothing: 'close' follows.
    child.on('error', () => {});
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      const [stdout, stderr] = [out.text(), err.text()];
      if (signal !== null) settle({ kind: 'signaled', signal, stdout, stderr });
      else settle({ kind: 'exited', exitCode: code ?? -1, stdout, stderr });
      finish();
    });
  });
}

function notStartedReason(err: unknown, spec: ProcessSpec): string {
  const cause = err as NodeJS.ErrnoException;
  if (cause?.code === 'ENOENT') return `cannot run ${cause.path ?? 'the command'}: no such file or directory`;
  if (cause?.code === 'EACCES') return `cannot run ${cause.path ?? 'the command'}: permission denied`;
  return commandFailedReason(cause, spec.file, spec.args);
}

/**
 * SIGTERM to the group now, SIGKILL after the grace period unless the group is empty by then;
 * pipes are destroyed at once so nothing waits on a grandchild holding them.
 */
function killGroup(pgid: number | undefined, child: ChildProcess, graceMs: number): void {
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
