/** The configuration file (`pushagent.config.yaml`, `-c FILE`): one zod schema, strict. */
import * as z from 'zod';
import { describeValue } from '../errors.js';
import { duration, labels, nonEmptyString, scalarText } from '../common/fields.js';
import { gatewayUrlProblem, urlCredentials } from '../common/gateway-url.js';

const url = nonEmptyString.superRefine((u, ctx) => {
  const problem = gatewayUrlProblem(u);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const auth = z
  .strictObject({
    username: scalarText(nonEmptyString)
      .optional()
      .describe(
        'Basic auth: the user name; with `password` or `password_file`. A number is taken as written (`1000`).',
      ),
    password: scalarText()
      .optional()
      .describe('Basic auth: the password, a number taken as written (`007`). `${VAR}` keeps it out of this file.'),
    password_file: nonEmptyString
      .optional()
      .describe("Basic auth: a file holding the password, relative to this file's folder."),
    bearer_token: scalarText(nonEmptyString)
      .optional()
      .describe('A bearer token, sent as `Authorization: Bearer ...`.'),
    bearer_token_file: nonEmptyString
      .optional()
      .describe("A file holding the bearer token, relative to this file's folder."),
  })
  .superRefine((a, ctx) => {
    const basic = a.username !== undefined || a.password !== undefined || a.password_file !== undefined;
    const bearer = a.bearer_token !== undefined || a.bearer_token_file !== undefined;
    if (basic && bearer)
      ctx.addIssue({ code: 'custom', message: 'use either username/password or a bearer token, not both' });
    if (basic && a.username === undefined) ctx.addIssue({ code: 'custom', message: 'basic auth needs `username`' });
    if (a.username !== undefined && (a.password === undefined) === (a.password_file === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'basic auth needs exactly one of `password` or `password_file`' });
    }
    if (a.bearer_token !== undefined && a.bearer_token_file !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'use either `bearer_token` or `bearer_token_file`, not both' });
    }
  });

const tls = z
  .strictObject({
    ca_file: nonEmptyString
      .optional()
      .describe(
        "The CA certificates to verify the gateway with, instead of the default ones (PEM, relative to this file's folder).",
      ),
    cert_file: nonEmptyString
      .optional()
      .describe("A client certificate (PEM, relative to this file's folder); with `key_file`."),
    key_file: nonEmptyString
      .optional()
      .describe("The client certificate's private key (PEM, relative to this file's folder); with `cert_file`."),
    insecure_skip_verify: z.boolean().default(false).describe("Do not verify the gateway's certificate."),
  })
  .superRefine((t, ctx) => {
    if ((t.cert_file === undefined) !== (t.key_file === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a client certificate needs both `cert_file` and `key_file`' });
    }
  });

export const pushgatewaySchema = z
  .strictObject({
    url: z
      .union([url, z.array(url).min(1, { error: 'expected at least one URL' })])
      .describe(
        'The Pushgateway (http:// or https://), or a list: every push goes to each. Credentials in a URL (http://user:pass@host:9091, percent-encoded) are its basic auth.',
      ),
    job: nonEmptyString
      .optional()
      .describe('The job label: the same as the top-level `job` (kept for older configs; set one of them).'),
    // prefault rather than default: durations' defaults are written as a user would, so the JSON Schema shows "5s".
    timeout: duration.prefault('5s').describe('The deadline of each HTTP request.'),
    method: z
      .enum(['put', 'post'])
      .default('put')
      .describe("put replaces the check's whole group; post replaces only the metrics it sends."),
    auth: auth
      .optional()
      .describe(
        'Basic auth (username with password or password_file) or a bearer token (bearer_token or bearer_token_file): one of them.',
      ),
    tls: tls.optional().describe('TLS settings for https:// URLs.'),
    max_backoff: duration
      .prefault('10s')
      .describe('`run` only: the longest wait between retries of a push while a gateway is down.'),
    grouping: z
      .enum(['check', 'host'])
      .default('check')
      .describe(
        'check: one group per check (job, instance, check). host: one group per host (job, instance), every sample labelled with its check, PUT whole at most once per tick (the shortest check interval, at least 1s) in which something changed: one push per host instead of one per check (docs/fleet.md).',
      ),
  })
  .superRefine((pg, ctx) => {
    const urls = Array.isArray(pg.url) ? pg.url.map((u, i) => [u, ['url', i]] as const) : [[pg.url, ['url']] as const];
    for (const [u, path] of urls) credentialsTwice(u, pg.auth, [...path], ctx);
  })
  .transform(({ url: u, ...rest }) => ({ url: Array.isArray(u) ? u : [u], ...rest }));

/** Credentials in a URL are that URL's basic auth; with an auth section too, which one is meant? */
function credentialsTwice(u: string, a: unknown, path: (string | number)[], ctx: z.RefinementCtx): void {
  if (a !== undefined && hasCredentials(u))
    ctx.addIssue({ code: 'custom', path, message: 'credentials in the URL and an auth section: use one' });
}

/** Headers pushagent sets itself on a remote-write request (the protocol's, and auth's). */
const RESERVED_HEADERS = [
  'authorization',
  'content-encoding',
  'content-length',
  'content-type',
  'host',
  'user-agent',
  'x-prometheus-remote-write-version',
];

const count = (what: string, min: number, max: number) => {
  const error = (iss: { input?: unknown }): string =>
    `expected ${what}, a whole number from ${min} to ${max}, got ${describeValue(iss.input)}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
};

export const remoteWriteEntrySchema = z
  .strictObject({
    url: url.describe(
      "The receiver's remote-write endpoint, e.g. http://mimir:9009/api/v1/push, http://victoria:8428/api/v1/write, http://prometheus:9090/api/v1/write.",
    ),
    timeout: duration.prefault('10s').describe('The deadline of each request, from when it is sent.'),
    headers: z
      .record(
        z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, {
          error: (iss) => `invalid HTTP header name ${describeValue(iss.input)}`,
        }),
        nonEmptyString,
      )
      .default({})
      .superRefine((h, ctx) => {
        for (const name of Object.keys(h).filter((n) => RESERVED_HEADERS.includes(n.toLowerCase()))) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `header "${name}" is set by pushagent itself${name.toLowerCase() === 'authorization' ? ' (use `auth`)' : ''}`,
          });
        }
      })
      .describe('Extra HTTP headers on every request, e.g. X-Scope-OrgID for a Mimir tenant.'),
    auth: auth.optional().describe('Basic auth or a bearer token, as for pushgateway.'),
    tls: tls.optional().describe('TLS settings for an https:// URL, as for pushgateway.'),
    max_samples_per_send: count('the samples per request', 1, 100_000)
      .default(2000)
      .describe('`run`: at most this many samples per request; more wait for the next one.'),
    max_backlog: count('the samples kept while the receiver is down', 1, 10_000_000)
      .default(100_000)
      .describe(
        '`run`: the samples kept for the receiver while it is down or slow; when full, the oldest are dropped (and counted).',
      ),
    max_age: duration
      .prefault('1h')
      .describe('`run`: samples older than this are dropped instead of sent (receivers refuse old samples).'),
    max_backoff: duration
      .prefault('10s')
      .describe('`run`: the longest wait between retries while the receiver is down.'),
  })
  .superRefine((rw, ctx) => credentialsTwice(rw.url, rw.auth, ['url'], ctx));

export const remoteWriteSchema = z
  .array(remoteWriteEntrySchema, {
    error: (iss) => `expected a list of receivers (each with a url), got ${describeValue(iss.input)}`,
  })
  .min(1, { error: 'expected at least one receiver' });

export const textfileSchema = z.strictObject({
  directory: nonEmptyString.describe(
    "The folder node_exporter's textfile collector reads (its --collector.textfile.directory), relative to this file's folder. It must exist and be writable.",
  ),
});

/**
 * The port `exporter.listen` gets when it names none: not in the Prometheus wiki's default port allocations
 * (docs/exporter.md).
 */
export const EXPORTER_DEFAULT_PORT = 9089;

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (every address); a host alone gets EXPORTER_DEFAULT_PORT. */
const LISTEN_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]*)(?::\d{1,5})?$/;

const listen = z
  .string({
    error: (iss) =>
      `expected an address like ":${EXPORTER_DEFAULT_PORT}" or "127.0.0.1:${EXPORTER_DEFAULT_PORT}", got ${describeValue(iss.input)}`,
  })
  .regex(LISTEN_RE, {
    error: (iss) =>
      `expected an address like ":${EXPORTER_DEFAULT_PORT}" or "127.0.0.1:${EXPORTER_DEFAULT_PORT}", got ${describeValue(iss.input)}`,
  })
  .refine((l) => !/^\d+$/.test(l), {
    error: (iss) =>
      `expected HOST:PORT or :PORT, got ${describeValue(iss.input)} (for a port, write ":${String(iss.input)}")`,
  })
  .refine((l) => Number(/:(\d+)$/.exec(l)?.[1] ?? EXPORTER_DEFAULT_PORT) <= 65535, {
    error: (iss) => `expected a port from 0 to 65535, got ${describeValue(iss.input)}`,
  });

export const exporterSchema = z.strictObject({
  listen: listen
    .default(`:${EXPORTER_DEFAULT_PORT}`)
    .describe(
      `\`run\` only: where /metrics is served, HOST:PORT (\`:PORT\` listens on every address; a host alone gets port ${EXPORTER_DEFAULT_PORT}).`,
    ),
  web_config_file: nonEmptyString
    .optional()
    .describe(
      "An exporter-toolkit web configuration (tls_server_config, basic_auth_users with bcrypt hashes), relative to this file's folder; reloaded on SIGHUP.",
    ),
});

function hasCredentials(u: string): boolean {
  try {
    return urlCredentials(u) !== undefined;
  } catch {
    return true;
  }
}

export const agentSchema = z.strictObject({
  job: nonEmptyString.optional().describe('The job label of every series, at every output. Default: pushagent.'),
  pushgateway: pushgatewaySchema
    .optional()
    .describe(
      'Pushgateways to push to. Any outputs may be configured together; with none, `once` and `run` print what they would send on stdout.',
    ),
  remote_write: remoteWriteSchema
    .optional()
    .describe(
      'Prometheus remote-write receivers (Prometheus, Mimir, VictoriaMetrics, Thanos Receive, Cortex) to write every result to, keeping history.',
    ),
  textfile: textfileSchema
    .optional()
    .describe(
      "Write each check's result to a .prom file in node_exporter's textfile collector directory (`once` and `run`).",
    ),
  exporter: exporterSchema
    .optional()
    .describe('`run` only: serve the latest result of every check at /metrics, for Prometheus to scrape.'),
  instance: nonEmptyString
    .optional()
    .describe("The instance label. Default: the host's FQDN, as `hostname -f` prints it."),
  labels: labels
    .default({})
    .describe("Extra grouping-key labels on every push (part of each group's URL path). Not job, instance or check."),
  checks_dir: nonEmptyString
    .default('checks')
    .describe("The folder of check files (*.yaml, *.yml), relative to this file's folder."),
  defaults: z
    .strictObject({
      interval: duration.prefault('15s').describe("A check's interval when it sets neither `interval` nor `schedule`."),
      timeout: duration
        .prefault('10s')
        .describe("A check's timeout when it sets none, capped at the check's interval."),
      kill_grace: duration
        .prefault('2s')
        .describe(
          "A check's kill_grace when it sets none: how long after SIGTERM at the timeout its process group gets SIGKILL.",
        ),
    })
    .prefault({})
    .describe('What a check gets when it does not say.'),
  splay: z
    .boolean({ error: (iss) => `expected true or false, got ${describeValue(iss.input)}` })
    .default(true)
    .describe(
      "Run each `interval` check at a phase inside its interval that is stable for this host and check (a hash of both), so that a fleet's runs and pushes spread; false: at n × interval, aligned on the wall clock. A check's own `splay` wins; `schedule` checks splay only when they say so.",
    ),
  shutdown_timeout: duration
    .prefault('5s')
    .describe('`run` only: on SIGTERM or SIGINT, how long waiting pushes may take to reach the gateways.'),
  delete_on_shutdown: z
    .boolean({ error: (iss) => `expected true or false, got ${describeValue(iss.input)}` })
    .default(false)
    .describe("`run` only: delete this instance's groups from the gateways when stopping."),
});

/** Texts written as bare YAML scalars that the loader passes on as written (`password: 007`). */
export const SCALAR_TEXT_PATHS = [
  ['pushgateway', 'auth', 'username'],
  ['pushgateway', 'auth', 'password'],
  ['pushgateway', 'auth', 'bearer_token'],
] as const;

/** SCALAR_TEXT_PATHS for the `index`-th remote_write receiver. */
export const remoteWriteTextPaths = (index: number) =>
  SCALAR_TEXT_PATHS.map(([, ...rest]) => ['remote_write', index, ...rest]);

export type PushgatewayConfig = z.output<typeof pushgatewaySchema>;
export type RemoteWriteConfig = z.output<typeof remoteWriteEntrySchema>;
export type TextfileConfig = z.output<typeof textfileSchema>;
export type ExporterFileConfig = z.output<typeof exporterSchema>;
export type AuthConfig = z.output<typeof auth>;
export type TlsConfig = z.output<typeof tls>;
export type AgentFileConfig = z.output<typeof agentSchema>;
