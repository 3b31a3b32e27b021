/**
 * `pushagent run`: the daemon. SIGHUP reloads; SIGTERM or SIGINT stops gracefully (exit 0).
 * Invalid configuration at start is exit 3, as for every verb.
 */
import { Daemon } from '../agent/daemon.js';
import { ConfigError, formatProblem, PushagentError } from '../errors.js';
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
  let daemon: Daemon;
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
    if (!(err instanceof PushagentError)) throw err;
    const lines = err instanceof ConfigError ? err.problems.map(formatProblem) : [err.message];
    for (const line of lines) log.error(line);
    return EXIT.invalid;
  }
  return new Promise((resolve) => {
    let reloading = Promise.resolve();
    let stopping = false;
    io.on('SIGHUP', () => {
      if (stopping) return;
      log.info('SIGHUP: reloading');
      reloading = reloading
        .then(() => daemon.reload())
        .then(
          () => undefined,
          (err: unknown) => log.error('reload failed: keeping the running configuration', { error: String(err) }),
        );
    });
    const stop = (signal: NodeJS.Signals) => () => {
      if (stopping) return;
      stopping = true;
      log.info(`${signal}: stopping`);
      void reloading.then(() => daemon.stop()).then(() => resolve(EXIT.ok));
    };
    io.on('SIGTERM', stop('SIGTERM'));
    io.on('SIGINT', stop('SIGINT'));
  });
}
