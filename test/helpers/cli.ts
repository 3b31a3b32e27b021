/** Runs the built CLI (dist/cli.js) as a real process, as users do. `npm test` builds it first. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { REPO } from './command.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export { REPO };

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export async function runCli(
  args: readonly string[],
  opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it)`);
  const started = performance.now();
  const r = await execa(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...opts.env },
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    timeout: opts.timeoutMs ?? 30_000,
  });
  return {
    exitCode: r.exitCode ?? -1,
    stdout: String(r.stdout),
    stderr: String(r.stderr),
    ms: performance.now() - started,
  };
}
