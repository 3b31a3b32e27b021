import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { VERSION } from './helpers/command.js';
import { workdir } from './helpers/workdir.js';

describe('cli', () => {
  it.each([[[]], [['once']], [['validate']]])('%j --version prints the package version', async (verb) => {
    const r = await runCli([...verb, '--version']);
    expect({ code: r.exitCode, out: r.stdout }).toEqual({ code: 0, out: `${VERSION}\n` });
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
    expect((await runCli(['once', '--bogus'])).exitCode).toBe(3);
  });
});

/**
 * What each verb's behaviour is, test/commands/ tests in-process; here, that the CLI hands it its
 * options and makes its code the exit status. `run` and `exec` always run as processes there.
 */
describe('each verb through the built CLI', () => {
  const checks = {
    'etc/checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n',
    'etc/checks/b.yaml': 'name: b\ncommand: exit 4\nmetric: {name: b_value}\n',
    'etc/checks/c.yaml': 'name: c\ncommand: echo 3\nmetric: {name: c_value}\n',
  };

  it('validate -c FILE: the table on stdout, exit 0; a missing file is exit 3 naming it', async () => {
    const cwd = await workdir({ 'etc/pushagent.config.yaml': 'instance: web01\n', ...checks });
    const r = await runCli(['validate', '-c', 'etc/pushagent.config.yaml'], { cwd });
    expect(r.stderr).toBe('3 checks valid (config etc/pushagent.config.yaml, checks in etc/checks)\n');
    expect(r.stdout).toMatch(/^CHECK +SCHEDULE +PHASE +TIMEOUT +KIND +FILE\na +every 15s +\+\d/);
    expect(r.exitCode).toBe(0);
    const missing = await runCli(['validate', '-c', 'nope.yaml'], { cwd });
    expect([missing.exitCode, missing.stderr]).toEqual([
      3,
      'nope.yaml: cannot read the config file: no such file\n1 problem found\n',
    ]);
  });

  it('once -c FILE --check --check --concurrency --dry-run: those checks, printed; a failing one is exit 1; a gateway down exit 2; an unknown check exit 3', async () => {
    const cwd = await workdir({
      'etc/pushagent.config.yaml': 'pushgateway:\n  url: ${GW}\n  timeout: 2s\ninstance: web01\n',
      ...checks,
    });
    const args = ['once', '-c', 'etc/pushagent.config.yaml', '--check', 'a', '--check', 'b', '--concurrency', '1'];
    const env = { GW: 'http://127.0.0.1:1' };
    const dry = await runCli([...args, '--dry-run'], { cwd, env });
    expect(dry.stdout.match(/^# group .*$/gm)).toEqual([
      '# group job="pushagent",instance="web01",check="a"',
      '# group job="pushagent",instance="web01",check="b"',
    ]);
    expect(dry.stdout).toContain('\na_value 1\n');
    expect(dry.stderr).toMatch(/^ok +a .*\nFAIL +b .*exit code 4\n$/);
    expect(dry.exitCode).toBe(1);
    const down = await runCli(args, { cwd, env });
    expect(down.stderr.match(/^\S+ +\w+|push failed: push to \S+/gm)).toEqual([
      'ok      a',
      'push failed: push to http://127.0.0.1:1/metrics/job/pushagent/instance/web01/check/a',
      'FAIL    b',
      'push failed: push to http://127.0.0.1:1/metrics/job/pushagent/instance/web01/check/b',
    ]);
    expect(down.exitCode).toBe(2);
    const unknown = await runCli(['once', '-c', 'etc/pushagent.config.yaml', '--check', 'nope'], { cwd, env });
    expect([unknown.exitCode, unknown.stderr]).toEqual([3, 'unknown check "nope"; known: a, b, c\n']);
  });

  it('delete -c FILE: a gateway down is exit 2; no output configured is exit 3', async () => {
    const cwd = await workdir({
      'etc/pushagent.config.yaml': 'pushgateway:\n  url: http://127.0.0.1:1\ninstance: web01\n',
      'etc/none.yaml': 'instance: web01\n',
      ...checks,
    });
    const down = await runCli(['delete', '-c', 'etc/pushagent.config.yaml'], { cwd });
    expect([down.exitCode, down.stderr]).toEqual([
      2,
      expect.stringContaining('list groups at http://127.0.0.1:1/api/v1/metrics failed: ECONNREFUSED'),
    ]);
    const none = await runCli(['delete', '-c', 'etc/none.yaml'], { cwd });
    expect([none.exitCode, none.stderr]).toEqual([3, 'no output configured: nothing to delete\n']);
  });
});
