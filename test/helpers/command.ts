/**
 * Runs a verb of src/commands/ in-process, as src/cli.ts calls it but with a CommandIo of the
 * test's own: stdout and stderr captured, the working directory and the environment given. No
 * build and no process start (vitest's `runVitest` beside its `runCli`); argument parsing, exit
 * codes, signals and piping stay with helpers/cli.ts.
 *
 * `env` is what the command reads (`${VAR}` in the config, where the config file is searched);
 * the processes it starts (checks, `hostname -f`) inherit this test process's environment, so a
 * test that puts a fake program on their PATH runs the CLI instead.
 *
 * A command must close what it opens: one that leaves a timer, socket or process behind fails here.
 */
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RunIo } from '../../src/commands/run.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The package version, which src/cli.ts passes to every verb that sends something. */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Calls `command(opts, io)` and returns its exit code and what it printed. Signals never reach it
 * (`io.on` ignores them), so `run` only returns when it refuses to start; `run` logs JSON lines, as
 * it does when stderr is not a terminal.
 */
export async function runCommand<O>(
  command: (opts: O, io: RunIo) => Promise<number>,
  opts: O,
  where: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CommandResult> {
  let stdout = '';
  let stderr = '';
  const io: RunIo = {
    out: (text) => void (stdout += text),
    err: (text) => void (stderr += text),
    cwd: where.cwd ?? REPO,
    env: { ...process.env, ...where.env },
    json: true,
    on: () => {},
  };
  const opened = watchOpened();
  const started = performance.now();
  const exitCode = await opened.during(() => command(opts, io));
  const ms = performance.now() - started;
  await opened.allClosed();
  return { exitCode, stdout, stderr, ms };
}

/** The handles a test's command may leave open by mistake: what would keep a process alive. */
const HANDLES = new Set([
  'Timeout',
  'TCPWRAP',
  'TCPSERVERWRAP',
  'PIPEWRAP',
  'PIPESERVERWRAP',
  'PROCESSWRAP',
  'UDPWRAP',
  'SIGNALWRAP',
  'FSEVENTWRAP',
]);

/**
 * A command closes what it opens (sockets, timers, child processes): in-process, anything left
 * would carry over into the next test. What the command's own code opened (told by an
 * AsyncLocalStorage, not vitest's timers) must be closed, or unreferenced, within a moment of its
 * return (a killed process being reaped, a socket finishing its close).
 */
function watchOpened(withinMs = 1000) {
  const mine = new AsyncLocalStorage<true>();
  const open = new Map<number, { type: string; resource: { hasRef?: () => boolean } }>();
  const hook = createHook({
    init(id, type, _trigger, resource: { hasRef?: () => boolean }) {
      if (HANDLES.has(type) && mine.getStore()) open.set(id, { type, resource });
    },
    destroy(id) {
      open.delete(id);
    },
  });
  const left = () => [...open.values()].filter((h) => h.resource.hasRef?.() ?? true).map((h) => h.type);
  return {
    during: <T>(fn: () => Promise<T>): Promise<T> => {
      hook.enable();
      return mine.run(true, fn).catch((err: unknown) => {
        hook.disable();
        throw err;
      });
    },
    async allClosed(): Promise<void> {
      const until = performance.now() + withinMs;
      while (left().length > 0 && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
      hook.disable();
      if (left().length > 0)
        throw new Error(`the command left open, ${withinMs} ms after it returned: ${tally(left())}`);
    },
  };
}

/** `Timeout ×2, TCPWRAP ×1`. */
function tally(types: readonly string[]): string {
  const n = new Map<string, number>();
  for (const t of types) n.set(t, (n.get(t) ?? 0) + 1);
  return [...n].map(([t, k]) => `${t} ×${k}`).join(', ');
}
