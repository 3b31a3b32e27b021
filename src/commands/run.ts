/**
 * `pushagent run`: the daemon. SIGHUP reloads; SIGTERM or SIGINT stops gracefully (exit 0).
 * Invalid configuration at start is exit 3, as for every verb.
 */
import { Daemon } from '../agent/daemon.js';
import { tellUser } from '../errors.js';
import { createLogger, type Level } from '../log.js';
import { EXIT, type CommandIo } from './io.js';
import { MAX_OUTPUT_BYTES } from './once.js';

export interface RunOptions {
  readonly config?: string | undefined;
  readonly logLevel: Level;
  readonly version: string;
}

export interface RunIo extends CommandIo {
  /** JSON lines when stderr is not a terminal. */
  readonly json: boolean;
  /** Process signals, so tests and the CLI can both drive them. */
  readonly on: (signal: NodeJS.Signals, handler: () => void) => void;
}

export async function run(opts: RunOptions, io: RunIo): Promise<number> {
  const log = createLogger({ level: opts.logLevel, json: io.json, write: io.err });
  // Signals first: a SIGHUP while starting (loading, waiting for `hostname -f`) would otherwise kill
  // the process. A HUP then means "load again once started"; a TERM, "stop once started".
  let daemon: Daemon | undefined;
  let reloading: Promise<void> = Promise.resolve();
  let hupWhileStarting = false;
  let stopRequested: NodeJS.Signals | undefined;
  let resolveStopped: (code: number) => void = () => {};
  const stopped = new Promise<number>((resolve) => (resolveStopped = resolve));
  const reload = (): void => {
    log.info('SIGHUP: reloading');
    const d = daemon!;
    reloading = reloading
      .then(() => d.reload())
      .catch((err: unknown) => log.error('reload failed: keeping the running configuration', { error: String(err) }));
  };
  const stop = (signal: NodeJS.Signals): void => {
    log.info(`${signal}: stopping`);
    // Not after a reload in progress: a reload that hangs must not hold the stop.
    void daemon!.stop().then(() => resolveStopped(EXIT.ok));
  };
  io.on('SIGHUP', () => {
    if (stopRequested) return;
    if (!daemon) hupWhileStarting = true;
    else reload();
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    io.on(signal, () => {
      if (stopRequested) return;
      stopRequested = signal;
      if (daemon) stop(signal);
    });
  }
  try {
    daemon = await Daemon.start({
      configFile: opts.config,
      cwd: io.cwd,
      env: io.env,
      log,
      version: opts.version,
      stdout: io.out,
      maxOutputBytes: MAX_OUTPUT_BYTES,
    });
  } catch (err) {
    tellUser(err, (line) => log.error(line));
    return EXIT.invalid;
  }
  if (stopRequested) stop(stopRequested);
  else if (hupWhileStarting) reload();
  return stopped;
}
