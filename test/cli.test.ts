import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

describe('cli', () => {
  it.each([[[]], [['once']], [['validate']]])('%j --version prints the package version', async (verb) => {
    const r = await runCli([...verb, '--version']);
    expect({ code: r.exitCode, out: r.stdout }).toEqual({ code: 0, out: `${version}\n` });
  });

  it.each([[[]], [['once']], [['validate']]])('%j --help describes the options', async (verb) => {
    const r = await runCli([...verb, '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pushagent/);
  });

  it("documents once's options", async () => {
    const r = await runCli(['once', '--help']);
    expect(r.stdout).toContain('-c, --config <file>');
    expect(r.stdout).toContain('--check <name>');
    expect(r.stdout).toContain('--dry-run');
  });

  it('an unknown command or option is exit 3', async () => {
    expect((await runCli(['bogus'])).exitCode).toBe(3);
    expect((await runCli(['validate', '--nope'])).exitCode).toBe(3);
  });
});
