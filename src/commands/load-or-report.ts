/** Loading for a command, and reporting what a user can fix: problems one per line as `file:line:col: message`. */
import { load, type Loaded } from '../config/load.js';
import { tellUser } from '../errors.js';
import type { CommandIo } from './io.js';

export async function loadOrReport(configFile: string | undefined, io: CommandIo): Promise<Loaded | undefined> {
  try {
    return await load({ configFile, cwd: io.cwd, env: io.env });
  } catch (err) {
    reportError(err, io);
    return undefined;
  }
}

/** Prints a ConfigError's problems (and their count) or a PushagentError's message; rethrows anything else. */
export function reportError(err: unknown, io: CommandIo): void {
  tellUser(err, (line) => io.err(`${line}\n`), { count: true });
}
