/** Loading for a command: problems printed one per line as `file:line:col: message`. */
import { load, type Loaded } from '../config/load.js';
import { formatProblem, PushagentError } from '../errors.js';
import { ConfigError } from '../errors.js';
import type { CommandIo } from './io.js';

export async function loadOrReport(configFile: string | undefined, io: CommandIo): Promise<Loaded | undefined> {
  try {
    return await load({ configFile, cwd: io.cwd, env: io.env });
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) io.err(`${formatProblem(p)}\n`);
      io.err(`${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} found\n`);
      return undefined;
    }
    if (err instanceof PushagentError) {
      io.err(`${err.message}\n`);
      return undefined;
    }
    throw err;
  }
}
