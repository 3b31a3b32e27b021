import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { load } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/errors.js';
import { workdir } from '../helpers/workdir.js';

// Each folder of fixtures/config is a working directory with a config and checks that are wrong in
// one way; expected.txt holds every problem, exactly as `validate` prints them.
const FIXTURES = path.join(import.meta.dirname, '../fixtures/config');
const cases = readdirSync(FIXTURES).sort();

describe('load: every problem located at file:line:col', () => {
  it.each(cases)('%s', async (name) => {
    const cwd = path.join(FIXTURES, name);
    const err = await load({ cwd, env: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).problems.map(formatProblem).join('\n') + '\n';
    const golden = path.join(cwd, 'expected.txt');
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });
});

describe('load: the secret and TLS files of pushgateway', () => {
  const gateway = (lines: string[]): string =>
    ['pushgateway:', '  url: https://127.0.0.1:9091', ...lines, 'instance: web01', ''].join('\n');
  const problemsOf = (cwd: string, configFile?: string, env: Record<string, string> = {}) =>
    load({ cwd, configFile, env }).then(
      () => [],
      (e: unknown) => {
        if (!(e instanceof ConfigError)) throw e;
        return e.problems.map(formatProblem);
      },
    );

  it("are resolved against the config file's folder, like checks_dir; absolute paths are unchanged", async () => {
    const elsewhere = path.join(await workdir({ 'client.key': 'key\n' }), 'client.key');
    const cwd = await workdir({
      'etc/pushagent.config.yaml': gateway([
        '  auth: {username: u, password_file: secrets/pw}',
        `  tls: {ca_file: ../pki/ca.crt, cert_file: tls/client.crt, key_file: ${JSON.stringify(elsewhere)}}`,
      ]),
      'etc/secrets/pw': 'pw\n',
      'etc/tls/client.crt': 'crt\n',
      'pki/ca.crt': 'ca\n',
      'etc/checks/up.yaml': 'name: up\ncommand: echo 1\nmetric: {name: up_value}\n',
    });
    const { config } = await load({ cwd: path.join(cwd, 'pki'), configFile: '../etc/pushagent.config.yaml', env: {} });
    expect(config.pushgateway?.auth).toEqual({ username: 'u', password_file: path.join(cwd, 'etc/secrets/pw') });
    expect(config.pushgateway?.tls).toEqual({
      ca_file: path.join(cwd, 'pki/ca.crt'),
      cert_file: path.join(cwd, 'etc/tls/client.crt'),
      key_file: elsewhere,
      insecure_skip_verify: false,
    });
    expect(config.checksDir).toBe(path.join(cwd, 'etc/checks'));
  });

  it('bearer_token_file too; a missing one is named as the working directory sees it', async () => {
    const cwd = await workdir({
      'etc/pushagent.config.yaml': gateway(['  auth:', '    bearer_token_file: token']),
      'etc/sub/.keep': '',
    });
    expect(await problemsOf(cwd, 'etc/pushagent.config.yaml')).toEqual([
      'etc/pushagent.config.yaml:4:24: pushgateway.auth.bearer_token_file: cannot read etc/token: no such file',
    ]);
    // Outside the working directory, the path is absolute.
    expect(await problemsOf(path.join(cwd, 'etc', 'sub'), '../pushagent.config.yaml')).toEqual([
      `${path.join(cwd, 'etc/pushagent.config.yaml')}:4:24: pushgateway.auth.bearer_token_file: cannot read ${path.join(cwd, 'etc/token')}: no such file`,
    ]);
  });

  it('a value with an unset variable has that problem only, not also "cannot read"', async () => {
    const cwd = await workdir({ 'pushagent.config.yaml': gateway(['  tls:', '    ca_file: ${PKI_DIR}/ca.crt']) });
    expect(await problemsOf(cwd)).toEqual([
      'pushagent.config.yaml:4:14: environment variable PKI_DIR is not set (write ${PKI_DIR:-default} to give a default)',
    ]);
    expect(await problemsOf(cwd, undefined, { PKI_DIR: 'pki' })).toEqual([
      'pushagent.config.yaml:4:14: pushgateway.tls.ca_file: cannot read pki/ca.crt: no such file',
    ]);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file is "permission denied"', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': gateway(['  tls:', '    key_file: client.key']),
      'client.key': 'key\n',
    });
    await chmod(path.join(cwd, 'client.key'), 0o000);
    expect(await problemsOf(cwd)).toEqual([
      'pushagent.config.yaml:4:15: pushgateway.tls.key_file: cannot read client.key: permission denied',
    ]);
  });
});
describe('load: auth texts written as bare YAML scalars', () => {
  const auth = (lines: string[]) =>
    [
      'pushgateway:',
      '  url: http://127.0.0.1:9091',
      '  auth:',
      ...lines.map((l) => `    ${l}`),
      'instance: web01',
      '',
    ].join('\n');

  it.each([
    ['password: 12345', '12345'],
    ['password: 007', '007'],
    ['password: 1e3', '1e3'],
    ['password: 0x1F', '0x1F'],
    ['password: 12345678901234567890', '12345678901234567890'],
    ['password: True', 'True'],
    ['password: "12345"', '12345'],
  ])('%s is the password %j, as written', async (line, password) => {
    const cwd = await workdir({ 'pushagent.config.yaml': auth(['username: 1000', line]), 'checks/.keep': '' });
    const { config } = await load({ cwd, env: {} });
    expect(config.pushgateway?.auth).toEqual({ username: '1000', password });
  });

  it('a bearer token too; a mapping or null is still refused, located', async () => {
    const cwd = await workdir({ 'pushagent.config.yaml': auth(['bearer_token: 0042']), 'checks/.keep': '' });
    expect((await load({ cwd, env: {} })).config.pushgateway?.auth).toEqual({ bearer_token: '0042' });
    const bad = await workdir({
      'pushagent.config.yaml': auth(['username: {a: 1}', 'password: null']),
      'checks/.keep': '',
    });
    const err = await load({ cwd: bad, env: {} }).catch((e: unknown) => e);
    expect((err as ConfigError).problems.map(formatProblem)).toEqual([
      'pushagent.config.yaml:4:15: pushgateway.auth.username: expected a string, got a mapping',
      'pushagent.config.yaml:5:15: pushgateway.auth.password: expected a string, got null',
    ]);
  });
});

describe('load: an instance that cannot tell this host from others is a located problem', () => {
  it.each([
    ['"   "', 'instance "   " holds only blanks'],
    ['" web01"', 'instance " web01" begins or ends with a blank'],
    ['"web01\\nweb02"', 'instance "web01\\nweb02" holds a control character (U+000A)'],
    [
      'LOCALHOST',
      'instance "LOCALHOST" would mix every host into one series: it is a loopback name or address, the same on every host',
    ],
    [
      'localhost.localdomain',
      'instance "localhost.localdomain" would mix every host into one series: it is a loopback name or address, the same on every host',
    ],
    [
      '127.0.0.1',
      'instance "127.0.0.1" would mix every host into one series: it is a loopback name or address, the same on every host',
    ],
    [
      '"::1"',
      'instance "::1" would mix every host into one series: it is a loopback name or address, the same on every host',
    ],
    ['..', 'instance ".." is not a host name'],
  ])('instance: %s', async (value, message) => {
    const cwd = await workdir({
      'pushagent.config.yaml': `# the instance label\ninstance: ${value}\n`,
      'checks/.keep': '',
    });
    const err = await load({ cwd, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map(formatProblem)).toEqual([
      `pushagent.config.yaml:2:11: ${message}; set this host's FQDN`,
    ]);
  });

  it('a blank inside a name is allowed', async () => {
    const cwd = await workdir({ 'pushagent.config.yaml': 'instance: rack 4 web01\n', 'checks/.keep': '' });
    expect((await load({ cwd, env: {} })).config.instance).toBe('rack 4 web01');
  });
});

describe('load: ${VAR} references', () => {
  it('a default may hold a reference, one level deep; deeper is a located problem', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': 'instance: ${PA_INSTANCE:-${PA_HOST}.example.com}\n',
      'checks/.keep': '',
    });
    expect((await load({ cwd, env: { PA_HOST: 'web01' } })).config.instance).toBe('web01.example.com');
    expect((await load({ cwd, env: { PA_HOST: 'web01', PA_INSTANCE: 'db02' } })).config.instance).toBe('db02');
    const deep = await workdir({ 'pushagent.config.yaml': 'instance: ${A:-${B:-${C}}}\n', 'checks/.keep': '' });
    const err = await load({ cwd: deep, env: {} }).catch((e: unknown) => e);
    expect((err as ConfigError).problems.map(formatProblem)).toEqual([
      'pushagent.config.yaml:1:11: invalid variable reference "${A:-${B:-${C}}}": expected ${NAME} or ${NAME:-default}, a default holding references one level deep at most',
    ]);
  });
});

describe('load: finding the config file in the working directory', () => {
  const job = (name: string) => `pushgateway:\n  url: http://127.0.0.1:9091\n  job: ${name}\n`;

  it('takes the first search place, in order', async () => {
    const cwd = await workdir({ '.pushagentrc': job('rc'), 'pushagent.config.yml': job('yml'), 'checks/.keep': '' });
    const { config } = await load({ cwd, env: {} });
    expect([config.file, config.pushgateway?.job]).toEqual([path.join(cwd, 'pushagent.config.yml'), 'yml']);
  });

  it('passes over a file holding only blanks, and a folder of that name', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': ' \n\n',
      'pushagent.config.yml/.keep': '',
      '.pushagentrc.yaml': job('rc'),
      'checks/.keep': '',
    });
    const { config } = await load({ cwd, env: {} });
    expect([config.file, config.pushgateway?.job]).toEqual([path.join(cwd, '.pushagentrc.yaml'), 'rc']);
  });

  it('without any, runs on the defaults: ./checks, nothing pushed', async () => {
    const cwd = await workdir({
      'package.json': '{"cosmiconfig": {"searchPlaces": ["other.yaml"]}}',
      'other.yaml': job('no'),
      'checks/.keep': '',
    });
    const { config } = await load({ cwd, env: {} });
    expect([config.file, config.pushgateway, config.checksDir]).toEqual([
      undefined,
      undefined,
      path.join(cwd, 'checks'),
    ]);
  });
});

describe('load: splay', () => {
  const checks = [
    '- name: a',
    '  command: "true"',
    '  interval: 15s',
    '- name: b',
    '  command: "true"',
    '  interval: 30s',
    '  splay: false',
    '- name: c',
    '  command: "true"',
    '  schedule: "0 * * * * *"',
    '- name: d',
    '  command: "true"',
    '  schedule: "0 */5 * * * *"',
    '  splay: true',
    '- name: e',
    '  command: "true"',
    '  schedule: "*/10 * * * * *"',
    '  splay: true',
    '- name: f',
    '  command: "true"',
    '  splay: true',
    '',
  ].join('\n');
  const spans = async (config: string) => {
    const cwd = await workdir({ 'pushagent.config.yaml': config, 'checks/c.yaml': checks });
    return Object.fromEntries((await load({ cwd, env: {} })).checks.map((c) => [c.name, c.splayMs]));
  };

  it('is on by default for interval checks (the span is the interval); a schedule splays only when it says, within its gap, at most 1m', async () => {
    expect(await spans('instance: web01\n')).toEqual({ a: 15_000, b: 0, c: 0, d: 60_000, e: 10_000, f: 15_000 });
  });

  it('`splay: false` at the top aligns every check that does not ask for it itself', async () => {
    expect(await spans('instance: web01\nsplay: false\n')).toEqual({
      a: 0,
      b: 0,
      c: 0,
      d: 60_000,
      e: 10_000,
      f: 15_000,
    });
  });
});
