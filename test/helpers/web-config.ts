/**
 * What a Pushgateway needs to serve TLS and basic auth (its `--web.config.file`, the exporter-toolkit
 * web config), made at test time: a CA, a server certificate for 127.0.0.1 and a client
 * certificate, all from `openssl` (Debian's openssl), and bcrypt password hashes from `mkpasswd`
 * (Debian's whois). Outside CI a missing tool skips the tests that need it; in CI it is a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeAfterTest } from './workdir.js';

const OPENSSL = 'openssl';
const MKPASSWD = 'mkpasswd';

const runs = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

export const hasOpenssl = runs(OPENSSL, ['version']);
/** `mkpasswd -m help` lists the methods; bcrypt must be among them. */
export const hasBcrypt = (() => {
  const r = spawnSync(MKPASSWD, ['-m', 'help'], { encoding: 'utf8' });
  return r.status === 0 && /^bcrypt\s/m.test(`${r.stdout}${r.stderr}`);
})();

const missing = [
  ...(hasOpenssl ? [] : ['openssl (Debian package openssl)']),
  ...(hasBcrypt ? [] : ['mkpasswd with bcrypt (Debian package whois)']),
];
if (missing.length > 0 && process.env.CI) {
  throw new Error(`${missing.join(' and ')} not installed; CI must install it for the Pushgateway TLS and auth tests`);
}
if (missing.length > 0) console.warn(`skipping Pushgateway TLS and auth tests: ${missing.join(' and ')} not found`);

export const hasWebConfigTools = missing.length === 0;

/** A bcrypt hash of `password`, as the web config's `basic_auth_users` wants (cost 5: fast tests). */
export function bcryptHash(password: string): string {
  // The password goes on stdin, without a newline, so it is neither in argv nor altered.
  return execFileSync(MKPASSWD, ['-m', 'bcrypt', '-R', '5', '--stdin'], { input: password, encoding: 'utf8' }).trim();
}

export interface TestPki {
  readonly dir: string;
  /** File paths. */
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** PEM text of the CA certificate and of the client certificate and key. */
  readonly caPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
}

const CA_CNF = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = pushagent test CA
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

const LEAF_EXT = {
  server:
    'basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = serverAuth\nsubjectAltName = IP:127.0.0.1\n',
  client: 'basicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = clientAuth\n',
};

/**
 * A fresh CA, a server certificate (SAN IP:127.0.0.1) and a client certificate it signed, valid for a
 * day, in a temporary folder removed after the test (or, made in a beforeAll, when the process exits).
 */
export async function makePki(): Promise<TestPki> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pushagent-pki-'));
  removeAfterTest(dir);
  const f = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync(OPENSSL, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  await writeFile(f('ca.cnf'), CA_CNF);
  for (const name of ['ca', 'server', 'client']) {
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`));
  }
  openssl(
    'req',
    '-x509',
    '-key',
    f('ca.key'),
    '-config',
    f('ca.cnf'),
    '-extensions',
    'v3_ca',
    '-days',
    '1',
    '-out',
    f('ca.crt'),
  );
  for (const name of ['server', 'client'] as const) {
    await writeFile(f(`${name}.ext`), LEAF_EXT[name]);
    openssl(
      'req',
      '-new',
      '-key',
      f(`${name}.key`),
      '-config',
      f('ca.cnf'),
      '-subj',
      `/CN=pushagent test ${name}`,
      '-out',
      f(`${name}.csr`),
    );
    openssl(
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-set_serial',
      `0x${randomBytes(8).toString('hex')}`,
      '-days',
      '1',
      '-extfile',
      f(`${name}.ext`),
      '-out',
      f(`${name}.crt`),
    );
  }
  return {
    dir,
    caCert: f('ca.crt'),
    serverCert: f('server.crt'),
    serverKey: f('server.key'),
    clientCert: f('client.crt'),
    clientKey: f('client.key'),
    caPem: await readFile(f('ca.crt'), 'utf8'),
    clientCertPem: await readFile(f('client.crt'), 'utf8'),
    clientKeyPem: await readFile(f('client.key'), 'utf8'),
  };
}

/**
 * Writes an exporter-toolkit web config into `dir` and returns the `--web.config.file=` argument.
 * `tls` serves https with the server certificate; `mtls` also requires a client certificate signed
 * by the CA; `maxVersion: 'TLS12'` keeps the server to TLS 1.2; `users` maps user names to plain
 * passwords, hashed here.
 */
export async function webConfigArg(
  dir: string,
  opts: { pki?: TestPki; tls?: 'server' | 'mutual'; maxVersion?: 'TLS12'; users?: Record<string, string> },
): Promise<string> {
  const lines: string[] = [];
  if (opts.tls) {
    if (!opts.pki) throw new Error('webConfigArg: tls needs a pki');
    lines.push(
      'tls_server_config:',
      `  cert_file: ${JSON.stringify(opts.pki.serverCert)}`,
      `  key_file: ${JSON.stringify(opts.pki.serverKey)}`,
    );
    if (opts.tls === 'mutual') {
      lines.push(
        '  client_auth_type: RequireAndVerifyClientCert',
        `  client_ca_file: ${JSON.stringify(opts.pki.caCert)}`,
      );
    }
    if (opts.maxVersion) lines.push(`  max_version: ${opts.maxVersion}`);
  }
  if (opts.users) {
    lines.push('basic_auth_users:');
    for (const [user, password] of Object.entries(opts.users))
      lines.push(`  ${JSON.stringify(user)}: ${JSON.stringify(bcryptHash(password))}`);
  }
  const file = path.join(dir, `web-config-${randomBytes(4).toString('hex')}.yml`);
  await writeFile(file, `${lines.join('\n')}\n`);
  return `--web.config.file=${file}`;
}
