/**
 * Finding the config without `-c` (cosmiconfig, module `pushagent`): today's five names first,
 * then package.json's `pushagent` key, .pushagentrc.json and .config/pushagentrc*, then the user's
 * config folder. Places that are not regular files are problems only when reached.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { load } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { workdir } from '../helpers/workdir.js';

const job = (name: string) => `pushgateway:\n  url: http://127.0.0.1:9091\n  job: ${name}\n`;
const jsonJob = (name: string) => JSON.stringify({ pushgateway: { url: 'http://127.0.0.1:9091', job: name } });

async function found(cwd: string, env: Record<string, string> = {}): Promise<[string | undefined, string | undefined]> {
  const { config } = await load({ cwd, env });
  return [config.file && path.relative(cwd, config.file), config.pushgateway?.job];
}

async function problemsOf(cwd: string, env: Record<string, string> = {}): Promise<string[]> {
  return load({ cwd, env }).then(
    () => [],
    (e: unknown) => {
      if (!(e instanceof ConfigError)) throw e;
      return e.problems.map(formatProblem);
    },
  );
}

describe('finding the config: the search places, in order', () => {
  it('the five names come before package.json', async () => {
    const cwd = await workdir({
      '.pushagentrc.yml': job('rc'),
      'package.json': JSON.stringify({ name: 'x', pushagent: { pushgateway: { url: 'http://h:9091' } } }),
      'checks/.keep': '',
    });
    expect(await found(cwd)).toEqual(['.pushagentrc.yml', 'rc']);
  });

  it("package.json's `pushagent` key, before .pushagentrc.json and .config/", async () => {
    const pkg = `{\n  "name": "site",\n  "pushagent": {\n    "pushgateway": {"url": "http://127.0.0.1:9091", "job": "pkg"}\n  }\n}\n`;
    const cwd = await workdir({
      'package.json': pkg,
      '.pushagentrc.json': jsonJob('json'),
      '.config/pushagentrc': job('dotconfig'),
      'checks/.keep': '',
    });
    expect(await found(cwd)).toEqual(['package.json', 'pkg']);
  });

  it('a package.json without the key is passed over: .pushagentrc.json, then .config/pushagentrc*', async () => {
    const cwd = await workdir({
      'package.json': '{"name": "site"}',
      '.pushagentrc.json': jsonJob('json'),
      '.config/pushagentrc.yaml': job('dotconfig'),
      'checks/.keep': '',
    });
    expect(await found(cwd)).toEqual(['.pushagentrc.json', 'json']);
    // checks_dir is relative to the config file's folder, .config/ here.
    const only = await workdir({
      'package.json': '{"name": "site"}',
      '.config/pushagentrc.yml': job('dotconfig'),
      '.config/checks/.keep': '',
    });
    expect(await found(only)).toEqual(['.config/pushagentrc.yml', 'dotconfig']);
  });

  it("problems in package.json's key are located in package.json", async () => {
    const pkg = `{\n  "name": "site",\n  "pushagent": {\n    "pushgateway": {"url": "http://127.0.0.1:9091"},\n    "shutdown_timeout": "soon",\n    "instanse": "h"\n  }\n}\n`;
    const cwd = await workdir({ 'package.json': pkg, 'checks/.keep': '' });
    expect(await problemsOf(cwd)).toEqual([
      expect.stringMatching(/^package\.json:5:25: /),
      'package.json:6:5: unknown key "instanse" (did you mean "instance"?)',
    ]);
  });

  it('a package.json that is not JSON is a problem, as cosmiconfig has it', async () => {
    const cwd = await workdir({ 'package.json': '{"name": ', 'checks/.keep': '' });
    expect(await problemsOf(cwd)).toEqual([expect.stringMatching(/^package\.json: invalid JSON: /)]);
  });

  it("then the user's config folder: $XDG_CONFIG_HOME/pushagent, else ~/.config/pushagent", async () => {
    const home = await workdir({
      '.config/pushagent/config.yml': job('home'),
      '.config/pushagent/checks/.keep': '',
      'xdg/pushagent/config.yaml': job('xdg'),
      'xdg/pushagent/checks/.keep': '',
    });
    const cwd = await workdir({ 'checks/.keep': '' });
    expect(await found(cwd, { HOME: home })).toEqual([
      path.relative(cwd, path.join(home, '.config/pushagent/config.yml')),
      'home',
    ]);
    expect(await found(cwd, { HOME: home, XDG_CONFIG_HOME: path.join(home, 'xdg') })).toEqual([
      path.relative(cwd, path.join(home, 'xdg/pushagent/config.yaml')),
      'xdg',
    ]);
    // The working directory comes first.
    const local = await workdir({ '.pushagentrc': job('local'), 'checks/.keep': '' });
    expect(await found(local, { HOME: home })).toEqual(['.pushagentrc', 'local']);
  });

  it('JavaScript places are not searched: a config is data', async () => {
    const cwd = await workdir({
      'pushagent.config.js': 'export default {}\n',
      '.pushagentrc.cjs': 'module.exports = {}\n',
      'checks/.keep': '',
    });
    expect(await found(cwd)).toEqual([undefined, undefined]);
  });
});

describe('finding the config: places that are not regular files', () => {
  it('a FIFO at a search place that is reached is a problem, not a hang', async () => {
    const cwd = await workdir({ '.pushagentrc.yaml': job('rc'), 'checks/.keep': '' });
    execFileSync('mkfifo', [path.join(cwd, '.pushagentrc')]);
    expect(await problemsOf(cwd)).toEqual([
      '.pushagentrc: cannot read the config file: is a named pipe (FIFO), not a regular file',
    ]);
  });

  it('one after the config found is never reached', async () => {
    const cwd = await workdir({ 'pushagent.config.yaml': job('first'), 'checks/.keep': '' });
    execFileSync('mkfifo', [path.join(cwd, '.pushagentrc')]);
    expect(await found(cwd)).toEqual(['pushagent.config.yaml', 'first']);
  });

  it('an over-large or non-UTF-8 config found by the search is refused', async () => {
    const big = await workdir({ 'pushagent.config.yml': `#${'x'.repeat(1024 * 1024)}\n`, 'checks/.keep': '' });
    expect(await problemsOf(big)).toEqual([
      'pushagent.config.yml: cannot read the config file: is larger than the limit of 1 MiB (1048578 bytes)',
    ]);
    const latin1 = await workdir({ 'checks/.keep': '' });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(latin1, '.pushagentrc.yaml'), Buffer.from('pushgateway:\n  job: caf\xe9\n', 'latin1'));
    expect(await problemsOf(latin1)).toEqual([
      '.pushagentrc.yaml:2:1: expected UTF-8 text, found bytes that are not UTF-8 on this line',
    ]);
  });
});

describe("cosmiconfig's meta config is not applied (the built CLI, in the working directory)", () => {
  it("package.json's `cosmiconfig` key does not add search places, .config/config.js is not run", async () => {
    const cwd = await workdir({
      'package.json': JSON.stringify({ cosmiconfig: { searchPlaces: ['other.yaml'] } }),
      'other.yaml': 'checks_dir: elsewhere\n',
      'elsewhere/x.yaml': 'name: from_other\ncommand: echo 1\nmetric: {name: x}\n',
      'checks/a.yaml': 'name: from_default\ncommand: echo 1\nmetric: {name: a}\n',
    });
    const r = await runCli(['validate'], { cwd });
    expect([r.exitCode, r.stderr]).toEqual([0, '1 check valid (no config file (defaults), checks in checks)\n']);
    const js = await workdir({
      '.config/config.js': "require('node:fs').writeFileSync(__dirname + '/../ran', 'x');\nmodule.exports = {};\n",
      'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a}\n',
    });
    const r2 = await runCli(['validate'], { cwd: js });
    expect(r2.exitCode).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(path.join(js, 'ran'))).toBe(false);
  });
});
