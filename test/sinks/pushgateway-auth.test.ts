/**
 * `pushgateway.auth` and `pushgateway.tls` end to end: `once`, in-process, against a real
 * Pushgateway started with a `--web.config.file` (basic_auth_users, tls_server_config, client
 * certificates), with a CA and certificates made by openssl for the run. Bearer tokens (which the
 * Pushgateway does not check) and a failing gateway's URL are seen by a recording HTTP server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from '../../src/commands/once.js';
import { validate } from '../../src/commands/validate.js';
import { runCommand } from '../helpers/command.js';
import { startRecorder } from '../helpers/http-recorder.js';
import { family, hasPushgateway, Pushgateway } from '../helpers/pushgateway.js';
import { hasWebConfigTools, makePki, webConfigArg, type TestPki } from '../helpers/web-config.js';
import { workdir } from '../helpers/workdir.js';

const USER = 'alice';
// A colon, spaces and non-ASCII: basic auth splits at the first colon only, and UTF-8 must survive.
const PASSWORD = 'c0rrect: horse ✓ battery';

/** A config pushing to `url` with the given `auth:` / `tls:` lines (already indented under pushgateway). */
const config = (url: string, extra: string[] = []): string =>
  ['pushgateway:', `  url: ${JSON.stringify(url)}`, '  timeout: 2s', ...extra, 'instance: test-host', ''].join('\n');

/** One check `name` printing `value` as the gauge `<name>_value`. */
const check = (name: string, value: number): Record<string, string> => ({
  [`checks/${name}.yaml`]: `name: ${name}\ncommand: echo ${value}\nmetric: {name: ${name}_value}\n`,
});

async function stored(gw: Pushgateway, name: string): Promise<string | undefined> {
  return family(await gw.group(name), `${name}_value`)?.metrics[0]?.value;
}

const skip = !hasPushgateway || !hasWebConfigTools;

describe.skipIf(skip)('pushgateway.auth against a Pushgateway with basic_auth_users', () => {
  let gw: Pushgateway;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pushagent-auth-'));
    gw = await Pushgateway.start(undefined, [await webConfigArg(dir, { users: { [USER]: PASSWORD, '1000': '007' } })], {
      basicAuth: { username: USER, password: PASSWORD },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('username + password: pushed and stored; exit 0', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, [
        '  auth:',
        `    username: ${USER}`,
        `    password: ${JSON.stringify(PASSWORD)}`,
      ]),
      ...check('basic_pw', 11),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.stderr).toMatch(/^ok\s+basic_pw .*pushed to http:\/\/127\.0\.0\.1:\d+/m);
    expect(r.exitCode).toBe(0);
    expect(await stored(gw, 'basic_pw')).toBe('11');
  });

  it('username: 1000 and password: 007, bare YAML numbers, are sent as written: stored; exit 0', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, ['  auth:', '    username: 1000', '    password: 007']),
      ...check('basic_numbers', 14),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.stderr).toMatch(/^ok\s+basic_numbers /m);
    expect(r.exitCode).toBe(0);
    expect(await stored(gw, 'basic_numbers')).toBe('14');
  });

  it('username + password_file (its trailing newline is not part of the password): stored; exit 0', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, [
        '  auth:',
        `    username: ${USER}`,
        '    password_file: secrets/pgw-password',
      ]),
      'secrets/pgw-password': `${PASSWORD}\n`,
      ...check('basic_file', 12),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.stderr).toMatch(/^ok\s+basic_file /m);
    expect(r.exitCode).toBe(0);
    expect(await stored(gw, 'basic_file')).toBe('12');
  });

  it('password: ${PGW_PASSWORD} is expanded from the environment; stored; exit 0', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, ['  auth:', `    username: ${USER}`, '    password: ${PGW_PASSWORD}']),
      ...check('basic_env', 13),
    });
    const r = await runCommand(once, {}, { cwd, env: { PGW_PASSWORD: PASSWORD } });
    expect(r.stderr).toMatch(/^ok\s+basic_env /m);
    expect(r.exitCode).toBe(0);
    expect(await stored(gw, 'basic_env')).toBe('13');
  });

  it('a wrong password is exit 2 with HTTP 401 and the URL; nothing stored; the password is not printed', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, ['  auth:', `    username: ${USER}`, '    password: not-the-password']),
      ...check('basic_wrong', 14),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      `push failed: push to ${gw.url}/metrics/job/pushagent/instance/test-host/check/basic_wrong failed: HTTP 401`,
    );
    expect(r.stderr).not.toContain('not-the-password');
    expect(await gw.group('basic_wrong')).toBeUndefined();
  });

  it('no auth at all is exit 2 with HTTP 401', async () => {
    const cwd = await workdir({ 'pushagent.config.yaml': config(gw.url), ...check('basic_none', 15) });
    const r = await runCommand(once, {}, { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/push failed: .* failed: HTTP 401/);
    expect(await gw.group('basic_none')).toBeUndefined();
  });

  it('credentials in the URL (percent-encoded) are basic auth: stored; exit 0; printed as ***', async () => {
    const withCreds = gw.url.replace('http://', `http://${encodeURIComponent(USER)}:${encodeURIComponent(PASSWORD)}@`);
    const cwd = await workdir({ 'pushagent.config.yaml': config(withCreds), ...check('basic_url', 17) });
    const r = await runCommand(once, {}, { cwd });
    expect(r.stderr).toMatch(/^ok\s+basic_url .*pushed to http:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+$/m);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).not.toContain(encodeURIComponent(PASSWORD));
    expect(await stored(gw, 'basic_url')).toBe('17');
  });

  it("a password_file relative to the config file's folder, run from elsewhere with -c: stored; exit 0", async () => {
    const cwd = await workdir({
      'etc/pushagent.config.yaml': config(gw.url, [
        '  auth:',
        `    username: ${USER}`,
        '    password_file: secrets/pgw-password',
      ]),
      'etc/secrets/pgw-password': `${PASSWORD}\n`,
      ...Object.fromEntries(Object.entries(check('basic_rel', 18)).map(([f, t]) => [`etc/${f}`, t])),
    });
    const r = await runCommand(once, { config: 'etc/pushagent.config.yaml' }, { cwd });
    expect(r.stderr).toMatch(/^ok\s+basic_rel /m);
    expect(r.exitCode).toBe(0);
    expect(await stored(gw, 'basic_rel')).toBe('18');
  });

  it('a missing password_file is exit 3 naming the file; nothing runs or is pushed', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, [
        '  auth:',
        `    username: ${USER}`,
        '    password_file: nope/pgw-password',
      ]),
      ...check('basic_missing', 16),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('nope/pgw-password');
    expect(r.stderr).toContain('auth.password_file');
    // Found at load, located at the key's value, resolved against the config file's folder.
    expect(r.stderr).toContain(
      'pushagent.config.yaml:6:20: pushgateway.auth.password_file: cannot read nope/pgw-password: no such file\n',
    );
    expect(r.stderr).not.toMatch(/^(ok|FAIL)\s/m);
    expect(await gw.group('basic_missing')).toBeUndefined();
  });
});

describe.skipIf(skip)('pushgateway.tls against a Pushgateway serving https', () => {
  let pki: TestPki;
  let gw: Pushgateway;
  beforeAll(async () => {
    pki = await makePki();
    gw = await Pushgateway.start(undefined, [await webConfigArg(pki.dir, { pki, tls: 'server' })], { ca: pki.caPem });
  });
  afterAll(async () => {
    await gw?.stop();
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  });

  it('tls.ca_file trusting the test CA: stored; exit 0', async () => {
    expect(gw.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, ['  tls:', `    ca_file: ${JSON.stringify(pki.caCert)}`]),
      ...check('tls_ca', 21),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.stderr).toMatch(/^ok\s+tls_ca .*pushed to https:\/\/127\.0\.0\.1:\d+/m);
    expect(r.exitCode).toBe(0);
    expect(await stored(gw, 'tls_ca')).toBe('21');
  });

  it('without tls.ca_file the certificate is not trusted: exit 2 with a certificate error; nothing stored', async () => {
    const cwd = await workdir({ 'pushagent.config.yaml': config(gw.url), ...check('tls_untrusted', 22) });
    const r = await runCommand(once, {}, { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /push failed: push to https:\/\/127\.0\.0\.1:\d+\/metrics\/job\/pushagent\/\S+ failed: .*certificate/,
    );
    expect(await gw.group('tls_untrusted')).toBeUndefined();
  });

  it('tls.insecure_skip_verify: true pushes without trusting the certificate: stored; exit 0', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, ['  tls:', '    insecure_skip_verify: true']),
      ...check('tls_insecure', 23),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.stderr).toMatch(/^ok\s+tls_insecure /m);
    expect(r.exitCode).toBe(0);
    expect(await stored(gw, 'tls_insecure')).toBe('23');
  });

  it('a missing tls.ca_file is exit 3 naming the file', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, ['  tls:', '    ca_file: nope/ca.crt']),
      ...check('tls_missing', 24),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('nope/ca.crt');
    expect(r.stderr).toContain(
      'pushagent.config.yaml:5:14: pushgateway.tls.ca_file: cannot read nope/ca.crt: no such file\n',
    );
    expect(await gw.group('tls_missing')).toBeUndefined();
  });
});

describe.skipIf(skip)('pushgateway.tls against a Pushgateway requiring client certificates (mutual TLS)', () => {
  let pki: TestPki;
  let gw: Pushgateway;
  beforeAll(async () => {
    pki = await makePki();
    gw = await Pushgateway.start(undefined, [await webConfigArg(pki.dir, { pki, tls: 'mutual' })], {
      ca: pki.caPem,
      cert: pki.clientCertPem,
      key: pki.clientKeyPem,
    });
  });
  afterAll(async () => {
    await gw?.stop();
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  });

  it('cert_file + key_file + ca_file: stored; exit 0', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, [
        '  tls:',
        `    ca_file: ${JSON.stringify(pki.caCert)}`,
        `    cert_file: ${JSON.stringify(pki.clientCert)}`,
        `    key_file: ${JSON.stringify(pki.clientKey)}`,
      ]),
      ...check('mtls_ok', 31),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.stderr).toMatch(/^ok\s+mtls_ok .*pushed to https:\/\/127\.0\.0\.1:\d+/m);
    expect(r.exitCode).toBe(0);
    expect(await stored(gw, 'mtls_ok')).toBe('31');
  });

  it("ca_file, cert_file and key_file relative to the config file's folder, run from elsewhere with -c: stored; exit 0", async () => {
    const cwd = await workdir({
      'etc/pushagent.config.yaml': config(gw.url, [
        '  tls:',
        '    ca_file: tls/ca.crt',
        '    cert_file: tls/client.crt',
        '    key_file: tls/client.key',
      ]),
      'etc/tls/ca.crt': pki.caPem,
      'etc/tls/client.crt': pki.clientCertPem,
      'etc/tls/client.key': pki.clientKeyPem,
      ...Object.fromEntries(Object.entries(check('mtls_rel', 33)).map(([f, t]) => [`etc/${f}`, t])),
    });
    const r = await runCommand(once, { config: 'etc/pushagent.config.yaml' }, { cwd });
    expect(r.stderr).toMatch(/^ok\s+mtls_rel /m);
    expect(r.exitCode).toBe(0);
    expect(await stored(gw, 'mtls_rel')).toBe('33');
  });

  it('a client certificate the gateway refuses (not for client auth): exit 2, without the hint to set one', async () => {
    // The server certificate as the client's: signed by the test CA, but its extendedKeyUsage is
    // serverAuth only. The hint is for when no client certificate is configured.
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, [
        '  tls:',
        `    ca_file: ${JSON.stringify(pki.caCert)}`,
        `    cert_file: ${JSON.stringify(pki.serverCert)}`,
        `    key_file: ${JSON.stringify(pki.serverKey)}`,
      ]),
      ...check('mtls_wrongcert', 34),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/push failed: push to https:\/\/127\.0\.0\.1:\d+\/\S+\/check\/mtls_wrongcert failed: \S+/);
    expect(r.stderr).not.toContain('may require a client certificate');
    expect(await gw.group('mtls_wrongcert')).toBeUndefined();
  });

  it('without a client certificate the gateway refuses the connection: exit 2; nothing stored', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, ['  tls:', `    ca_file: ${JSON.stringify(pki.caCert)}`]),
      ...check('mtls_nocert', 32),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /push failed: push to https:\/\/127\.0\.0\.1:\d+\/metrics\/job\/pushagent\/\S+\/check\/mtls_nocert failed: /,
    );
    expect(r.stderr).toMatch(
      /check\/mtls_nocert failed: .+ \(the gateway may require a client certificate: set tls\.cert_file and tls\.key_file\)$/m,
    );
    expect(await gw.group('mtls_nocert')).toBeUndefined();
  });
});

describe.skipIf(skip)('pushgateway.tls against a TLS 1.2 Pushgateway requiring client certificates', () => {
  let pki: TestPki;
  let gw: Pushgateway;
  beforeAll(async () => {
    pki = await makePki();
    gw = await Pushgateway.start(
      undefined,
      [await webConfigArg(pki.dir, { pki, tls: 'mutual', maxVersion: 'TLS12' })],
      {
        ca: pki.caPem,
        cert: pki.clientCertPem,
        key: pki.clientKeyPem,
      },
    );
  });
  afterAll(async () => {
    await gw?.stop();
    if (pki) await rm(pki.dir, { recursive: true, force: true });
  });

  it('without a client certificate the handshake fails with an alert: exit 2 with the hint; nothing stored', async () => {
    const cwd = await workdir({
      'pushagent.config.yaml': config(gw.url, ['  tls:', `    ca_file: ${JSON.stringify(pki.caCert)}`]),
      ...check('mtls12_nocert', 35),
    });
    const r = await runCommand(once, {}, { cwd });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /check\/mtls12_nocert failed: ERR_SSL_\S+ .+ \(the gateway may require a client certificate: set tls\.cert_file and tls\.key_file\)$/m,
    );
    expect(await gw.group('mtls12_nocert')).toBeUndefined();
  });
});

describe('pushgateway.auth bearer tokens and credentials in the URL, seen by a recording server', () => {
  it('bearer_token arrives as `Authorization: Bearer <token>` on the PUT; exit 0', async () => {
    const rec = await startRecorder({ status: 200, body: '' });
    try {
      const cwd = await workdir({
        'pushagent.config.yaml': config(rec.url, ['  auth:', '    bearer_token: tok-inline.123']),
        ...check('bearer_inline', 41),
      });
      const r = await runCommand(once, {}, { cwd });
      expect(r.stderr).toMatch(/^ok\s+bearer_inline /m);
      expect(r.exitCode).toBe(0);
      expect(rec.requests).toHaveLength(1);
      expect(rec.requests[0]).toMatchObject({
        method: 'PUT',
        url: '/metrics/job/pushagent/instance/test-host/check/bearer_inline',
      });
      expect(rec.requests[0]?.headers.authorization).toBe('Bearer tok-inline.123');
      expect(rec.requests[0]?.body).toContain('\nbearer_inline_value 41\n');
    } finally {
      await rec.close();
    }
  });

  it('bearer_token_file is read and its trailing newline dropped; exit 0', async () => {
    const rec = await startRecorder({ status: 200, body: '' });
    try {
      const cwd = await workdir({
        'pushagent.config.yaml': config(rec.url, ['  auth:', '    bearer_token_file: secrets/token']),
        'secrets/token': 'tok-from-file\n',
        ...check('bearer_file', 42),
      });
      const r = await runCommand(once, {}, { cwd });
      expect(r.exitCode).toBe(0);
      expect(rec.requests.map((q) => q.headers.authorization)).toEqual(['Bearer tok-from-file']);
    } finally {
      await rec.close();
    }
  });

  it('credentials in the URL arrive as `Authorization: Basic`, percent-decoded; exit 0', async () => {
    const rec = await startRecorder({ status: 200, body: '' });
    try {
      // An unencoded @ in the password: URL parsing ends the userinfo at the last @.
      const withCreds = rec.url.replace('http://', 'http://pgw%40ops:p%3Ass@w0rd@');
      const cwd = await workdir({ 'pushagent.config.yaml': config(withCreds), ...check('url_basic', 44) });
      const r = await runCommand(once, {}, { cwd });
      expect(r.exitCode).toBe(0);
      expect(r.stderr).toContain(`pushed to ${rec.url.replace('http://', 'http://***:***@')}\n`);
      expect(r.stderr).not.toContain('w0rd');
      expect(rec.requests).toHaveLength(1);
      expect(rec.requests[0]?.url).toBe('/metrics/job/pushagent/instance/test-host/check/url_basic');
      expect(rec.requests[0]?.headers.authorization).toBe(
        `Basic ${Buffer.from('pgw@ops:p:ss@w0rd').toString('base64')}`,
      );
    } finally {
      await rec.close();
    }
  });

  it('credentials in the URL and an auth section is exit 3 located at the URL; nothing is sent', async () => {
    const rec = await startRecorder({ status: 200, body: '' });
    try {
      const withCreds = rec.url.replace('http://', 'http://pgwuser:s3cr3t-in-url@');
      const cwd = await workdir({
        'pushagent.config.yaml': config(withCreds, ['  auth:', '    bearer_token: tok']),
        ...check('url_and_auth', 45),
      });
      const r = await runCommand(validate, {}, { cwd });
      expect(r.exitCode).toBe(3);
      expect(r.stderr).toBe(
        'pushagent.config.yaml:2:8: pushgateway.url: credentials in the URL and an auth section: use one\n1 problem found\n',
      );
      const sent = await runCommand(once, {}, { cwd });
      expect(sent.exitCode).toBe(3);
      expect(rec.requests).toHaveLength(0);
    } finally {
      await rec.close();
    }
  });

  it("bearer_token_file relative to the config file's folder, run from elsewhere with -c; exit 0", async () => {
    const rec = await startRecorder({ status: 200, body: '' });
    try {
      const cwd = await workdir({
        'etc/pushagent.config.yaml': config(rec.url, ['  auth:', '    bearer_token_file: secrets/token']),
        'etc/secrets/token': 'tok-beside-config\n',
        'secrets/token': 'tok-in-the-working-directory\n',
        ...Object.fromEntries(Object.entries(check('bearer_rel', 46)).map(([f, t]) => [`etc/${f}`, t])),
      });
      const r = await runCommand(once, { config: 'etc/pushagent.config.yaml' }, { cwd });
      expect(r.exitCode).toBe(0);
      expect(rec.requests.map((q) => q.headers.authorization)).toEqual(['Bearer tok-beside-config']);
    } finally {
      await rec.close();
    }
  });

  it('a URL with credentials is printed with *** in their place when the gateway answers 500; exit 2', async () => {
    const rec = await startRecorder({ status: 500, body: 'internal trouble\n' });
    try {
      const withCreds = rec.url.replace('http://', 'http://pgwuser:s3cr3t-in-url@');
      const cwd = await workdir({ 'pushagent.config.yaml': config(withCreds), ...check('url_creds', 43) });
      const r = await runCommand(once, {}, { cwd });
      expect(r.exitCode).toBe(2);
      expect(rec.requests).toHaveLength(1);
      const shown = rec.url.replace('http://', 'http://***:***@');
      expect(r.stderr).toContain(
        `push failed: push to ${shown}/metrics/job/pushagent/instance/test-host/check/url_creds failed: HTTP 500: internal trouble`,
      );
      expect(r.stderr).not.toContain('s3cr3t-in-url');
      expect(r.stderr).not.toContain('pgwuser');
      expect(r.stdout).not.toContain('s3cr3t-in-url');
    } finally {
      await rec.close();
    }
  });
});
