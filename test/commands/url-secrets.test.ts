/**
 * Gateway URLs whose secret a URL parser would misplace (a password with an unencoded `/`, `?`,
 * `#`; no scheme) or that carry a query string or fragment: every command refuses them at load,
 * located, exit 3, and prints no part of the secret.
 */
import { describe, expect, it } from 'vitest';
import { deleteGroups } from '../../src/commands/delete.js';
import { once } from '../../src/commands/once.js';
import { run } from '../../src/commands/run.js';
import { validate } from '../../src/commands/validate.js';
import { runCommand, VERSION, type CommandResult } from '../helpers/command.js';
import { workdir } from '../helpers/workdir.js';

/** Each verb as the CLI calls it, in-process. */
const COMMANDS: Record<string, (cwd: string) => Promise<CommandResult>> = {
  validate: (cwd) => runCommand(validate, {}, { cwd }),
  once: (cwd) => runCommand(once, { version: VERSION }, { cwd }),
  run: (cwd) => runCommand(run, { logLevel: 'info', version: VERSION }, { cwd }),
  delete: (cwd) => runCommand(deleteGroups, { version: VERSION }, { cwd }),
};

const CHECK = { 'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n' };

describe.each([
  ['http://alice:S3CR/T@127.0.0.1:9', 'expected "@" only before the host: percent-encode'],
  // The parser would take "alice" as the host, 123 as its port, and /S3CR@127.0.0.1:9 as a path.
  ['http://alice:123/S3CR@127.0.0.1:9', 'expected "@" only before the host: percent-encode'],
  ['alice:S3CR3T@127.0.0.1:9', 'expected an http:// or https:// URL, got a text with an "@", not shown'],
  ['http://127.0.0.1:9/?token=T0KEN', 'expected a URL without a query string or fragment'],
  ['http://127.0.0.1:9/#T0KEN', 'expected a URL without a query string or fragment'],
])('url: %s', (url, message) => {
  it.each(Object.keys(COMMANDS))('%s refuses it, located, exit 3, without the secret', async (command) => {
    const cwd = await workdir({
      ...CHECK,
      'pushagent.config.yaml': `pushgateway:\n  url: ${url}\ninstance: web01\n`,
    });
    const r = await COMMANDS[command]!(cwd);
    expect(r.exitCode).toBe(3);
    // `run` logs JSON lines when stderr is not a terminal (as runCommand's io says).
    const said =
      command === 'run'
        ? r.stderr
            .trim()
            .split('\n')
            .map((l) => (JSON.parse(l) as { msg: string }).msg)
            .join('\n')
        : r.stderr;
    expect(said).toContain(`pushagent.config.yaml:2:8: pushgateway.url: ${message}`);
    expect(r.stdout + r.stderr).not.toMatch(/alice|S3CR|123|T0KEN/);
  });
});
