/** Loading for a command, and reporting what a user can fix: problems one per line as `file:line:col: message`. */
import { load, type Loaded } from '../config/load.js';
import { ConfigError, userLines } from '../errors.js';
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
  const lines = userLines(err);
  if (lines === undefined) throw err;
  for (const line of lines) io.err(`${line}\n`);
  if (err instanceof ConfigError) io.err(`${lines.length} problem${lines.length === 1 ? '' : 's'} found\n`);
}
