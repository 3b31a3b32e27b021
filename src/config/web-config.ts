/**
 * The exporter-toolkit web configuration (`exporter.web_config_file`): the file Prometheus'
 * exporters share for TLS and basic auth (github.com/prometheus/exporter-toolkit, web/tls_config.go
 * and docs/web-configuration.md), so operators can reuse theirs. Validated strictly at load like the
 * config itself: unknown keys, bad values and unreadable or unusable files are located problems in
 * that file. Its files are relative to its own folder, as exporter-toolkit reads them. What comes out
 * is resolved (PEM text, not paths), so that a changed file changes the configuration a reload sees.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import * as z from 'zod';
import { describeValue, fileErrorReason, type Problem } from '../errors.js';
import { duration, nonEmptyString } from '../common/fields.js';
import { issueMessage, issuesToProblems, schemaKeys } from './issues.js';
import { locate, parseYaml } from './yaml-source.js';

/** exporter-toolkit's client_auth_type values (RequireClientCert is its older name of RequireAnyClientCert). */
const CLIENT_AUTH = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'RequireClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuth = Exclude<(typeof CLIENT_AUTH)[number], 'RequireClientCert'>;

const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

/** Go's names of the cipher suites crypto/tls calls secure (TLS 1.0–1.2), as OpenSSL names them. */
export const CIPHER_SUITES: Readonly<Record<string, string>> = {
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
};
/** Go does not let TLS 1.3 suites be configured; OpenSSL's defaults stay, as with Go. */
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

const CURVES = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' } as const;

/** The response headers exporter-toolkit lets a web config set, with their allowed values (none: any). */
const HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

/** A bcrypt hash as htpasswd -B, mkpasswd -m bcrypt and Go's bcrypt write it. */
const BCRYPT_RE = /^\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}$/;

const oneOf = <T extends string>(what: string, values: readonly T[]) =>
  z.enum(values as [T, ...T[]], {
    error: (iss) => `expected ${what}: one of ${values.join(', ')}; got ${describeValue(iss.input)}`,
  });

const tlsServerConfig = z
  .strictObject({
    cert_file: nonEmptyString.optional(),
    key_file: nonEmptyString.optional(),
    cert: nonEmptyString.optional(),
    key: nonEmptyString.optional(),
    client_ca_file: nonEmptyString.optional(),
    client_ca: nonEmptyString.optional(),
    client_auth_type: oneOf('a client auth type', CLIENT_AUTH).default('NoClientCert'),
    client_allowed_sans: z.array(nonEmptyString).optional(),
    min_version: oneOf('a TLS version', Object.keys(TLS_VERSIONS) as (keyof typeof TLS_VERSIONS)[]).default('TLS12'),
    max_version: oneOf('a TLS version', Object.keys(TLS_VERSIONS) as (keyof typeof TLS_VERSIONS)[]).default('TLS13'),
    cipher_suites: z.array(oneOf('a cipher suite pushagent supports', Object.keys(CIPHER_SUITES))).optional(),
    prefer_server_cipher_suites: z.boolean().default(true),
    curve_preferences: z.array(oneOf('a curve', Object.keys(CURVES) as (keyof typeof CURVES)[])).optional(),
  })
  .superRefine((t, ctx) => {
    if ((t.cert_file === undefined) === (t.cert === undefined))
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of cert_file or cert' });
    if ((t.key_file === undefined) === (t.key === undefined))
      ctx.addIssue({ code: 'custom', message: 'expected exactly one of key_file or key' });
    if (t.client_ca_file !== undefined && t.client_ca !== undefined)
      ctx.addIssue({ code: 'custom', message: 'expected one of client_ca_file or client_ca, not both' });
    if ((t.client_ca_file !== undefined || t.client_ca !== undefined) && t.client_auth_type === 'NoClientCert') {
      ctx.addIssue({
        code: 'custom',
        path: ['client_auth_type'],
        message: 'a client CA is configured but client_auth_type is NoClientCert (set RequireAndVerifyClientCert)',
      });
    }
    if (TLS_ORDER.indexOf(t.min_version) > TLS_ORDER.indexOf(t.max_version))
      ctx.addIssue({ code: 'custom', path: ['min_version'], message: 'min_version is above max_version' });
  });
const TLS_ORDER = Object.keys(TLS_VERSIONS);

export const webConfigSchema = z.strictObject({
  tls_server_config: tlsServerConfig.optional(),
  http_server_config: z
    .strictObject({
      // Accepted for compatibility; pushagent serves HTTP/1.1.
      http2: z.boolean().default(true),
      headers: z
        .record(z.string(), z.string())
        .default({})
        .superRefine((h, ctx) => {
          for (const [name, value] of Object.entries(h)) {
            if (!(name in HEADERS))
              ctx.addIssue({
                code: 'custom',
                path: [name],
                message: `HTTP header "${name}" cannot be configured (only ${Object.keys(HEADERS).join(', ')})`,
              });
            else if (HEADERS[name] && !HEADERS[name].includes(value))
              ctx.addIssue({
                code: 'custom',
                path: [name],
                message: `expected one of ${HEADERS[name].join(', ')} for ${name}, got ${JSON.stringify(value)}`,
              });
          }
        }),
    })
    .optional(),
  basic_auth_users: z
    .record(
      nonEmptyString,
      z.string().regex(BCRYPT_RE, { error: 'expected a bcrypt hash ($2y$10$... as `htpasswd -nBC 10 ""` prints it)' }),
    )
    .optional(),
  rate_limit: z.strictObject({ interval: duration, burst: z.int().min(0) }).optional(),
});

/** What the exporter needs, resolved: node:tls options, users, headers, rate limit. */
export interface WebConfig {
  readonly tls: WebTls | undefined;
  /** User name → bcrypt hash; empty: no basic auth. */
  readonly users: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly rateLimit: { readonly intervalMs: number; readonly burst: number } | undefined;
}

export interface WebTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string | undefined;
  readonly clientAuth: ClientAuth;
  readonly allowedSans: readonly string[] | undefined;
  readonly minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  readonly ciphers: string | undefined;
  readonly honorCipherOrder: boolean;
  readonly ecdhCurve: string | undefined;
}

/**
 * Reads and validates `file` (absolute). Undefined with no problems when it cannot be read: the
 * loader reports that at the `web_config_file` key itself.
 */
export async function loadWebConfig(
  file: string,
  display: (f: string) => string,
): Promise<{ web?: WebConfig; problems: Problem[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { problems: [] };
  }
  const { source, problems } = parseYaml(display(file), text);
  if (problems.length > 0) return { problems };
  const parsed = webConfigSchema.safeParse(source.doc.toJS() ?? {}, { error: issueMessage, reportInput: true });
  if (!parsed.success) {
    return {
      problems: issuesToProblems(parsed.error.issues, {
        source,
        base: [],
        prefix: '',
        knownKeys: [...schemaKeys(webConfigSchema)],
      }),
    };
  }
  const c = parsed.data;
  const dir = path.dirname(file);
  const out: Problem[] = [];
  /** A file of the TLS section, relative to the web config's folder, read now; a problem where it is named. */
  const pem = async (
    key: 'cert_file' | 'key_file' | 'client_ca_file',
    inline: string | undefined,
  ): Promise<string | undefined> => {
    const name = c.tls_server_config?.[key];
    if (name === undefined) return inline;
    const abs = path.resolve(dir, name);
    try {
      return await readFile(abs, 'utf8');
    } catch (err) {
      out.push({
        ...locate(source, ['tls_server_config', key]),
        message: `tls_server_config.${key}: cannot read ${display(abs)}: ${fileErrorReason(err)}`,
      });
      return undefined;
    }
  };
  let tls: WebTls | undefined;
  const t = c.tls_server_config;
  if (t) {
    const [cert, key, ca] = [
      await pem('cert_file', t.cert),
      await pem('key_file', t.key),
      await pem('client_ca_file', t.client_ca),
    ];
    if (out.length > 0 || cert === undefined || key === undefined) return { problems: out };
    try {
      createSecureContext({ cert, key, ...(ca === undefined ? {} : { ca }) });
    } catch (err) {
      const at = t.cert_file !== undefined ? 'cert_file' : 'cert';
      out.push({
        ...locate(source, ['tls_server_config', at]),
        message: `tls_server_config: cannot use the certificate, key or client CA: ${(err as Error).message}`,
      });
      return { problems: out };
    }
    tls = {
      cert,
      key,
      ca,
      clientAuth: t.client_auth_type === 'RequireClientCert' ? 'RequireAnyClientCert' : t.client_auth_type,
      allowedSans: t.client_allowed_sans,
      minVersion: TLS_VERSIONS[t.min_version],
      maxVersion: TLS_VERSIONS[t.max_version],
      ciphers: t.cipher_suites && `${t.cipher_suites.map((s) => CIPHER_SUITES[s]).join(':')}:${TLS13_SUITES}`,
      honorCipherOrder: t.prefer_server_cipher_suites,
      ecdhCurve: t.curve_preferences?.map((cv) => CURVES[cv]).join(':'),
    };
  }
  const rate = c.rate_limit;
  return {
    web: {
      tls,
      users: c.basic_auth_users ?? {},
      headers: c.http_server_config?.headers ?? {},
      rateLimit: rate && rate.interval > 0 ? { intervalMs: rate.interval, burst: rate.burst } : undefined,
    },
    problems: [],
  };
}
