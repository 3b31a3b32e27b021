/** The configuration file (`pushagent.config.yaml`, `-c FILE`): one zod schema, strict. */
import { z } from 'zod';
import { describeValue } from '../errors.js';
import { duration, labels, nonEmptyString } from './fields.js';
import { maskUserinfo, urlCredentials } from './gateway-url.js';

const url = nonEmptyString.superRefine((u, ctx) => {
  const shown = JSON.stringify(maskUserinfo(u));
  let parsed: URL | undefined;
  try {
    parsed = new URL(u);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
    ctx.addIssue({ code: 'custom', message: `expected an http:// or https:// URL, got ${shown}` });
  } else if (/\s/.test(u)) {
    ctx.addIssue({ code: 'custom', message: `expected a URL without spaces (write a space as %20), got ${shown}` });
  } else {
    try {
      urlCredentials(u);
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected percent-encoded credentials in the URL (a % starts %XX, e.g. %40 for @), got ${shown}` });
    }
  }
});

const auth = z
  .strictObject({
    username: nonEmptyString.optional(),
    password: z.string().optional(),
    password_file: nonEmptyString.optional(),
    bearer_token: nonEmptyString.optional(),
    bearer_token_file: nonEmptyString.optional(),
  })
  .superRefine((a, ctx) => {
    const basic = a.username !== undefined || a.password !== undefined || a.password_file !== undefined;
    const bearer = a.bearer_token !== undefined || a.bearer_token_file !== undefined;
    if (basic && bearer) ctx.addIssue({ code: 'custom', message: 'use either username/password or a bearer token, not both' });
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
    ca_file: nonEmptyString.optional(),
    cert_file: nonEmptyString.optional(),
    key_file: nonEmptyString.optional(),
    insecure_skip_verify: z.boolean().default(false),
  })
  .superRefine((t, ctx) => {
    if ((t.cert_file === undefined) !== (t.key_file === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a client certificate needs both `cert_file` and `key_file`' });
    }
  });

export const pushgatewaySchema = z
  .strictObject({
    url: z.union([url, z.array(url).min(1, { error: 'expected at least one URL' })]),
    job: nonEmptyString.default('pushagent'),
    timeout: duration.default(5000),
    method: z.enum(['put', 'post']).default('put'),
    auth: auth.optional(),
    tls: tls.optional(),
    /** Daemon: the longest wait between retries of a push while a gateway is down. */
    max_backoff: duration.default(10_000),
  })
  .superRefine((pg, ctx) => {
    // Credentials in a URL are that URL's basic auth; with an auth section too, which one is meant?
    if (pg.auth === undefined) return;
    const urls = Array.isArray(pg.url) ? pg.url.map((u, i) => [u, ['url', i]] as const) : [[pg.url, ['url']] as const];
    for (const [u, path] of urls) {
      if (hasCredentials(u)) ctx.addIssue({ code: 'custom', path: [...path], message: 'credentials in the URL and an auth section: use one' });
    }
  })
  .transform(({ url: u, ...rest }) => ({ url: Array.isArray(u) ? u : [u], ...rest }));

function hasCredentials(u: string): boolean {
  try {
    return urlCredentials(u) !== undefined;
  } catch {
    return true;
  }
}

export const agentSchema = z.strictObject({
  pushgateway: pushgatewaySchema.optional(),
  instance: nonEmptyString.optional(),
  labels: labels.default({}),
  checks_dir: nonEmptyString.default('checks'),
  defaults: z
    .strictObject({ interval: duration.default(15_000), timeout: duration.default(10_000), kill_grace: duration.default(2000) })
    .default({ interval: 15_000, timeout: 10_000, kill_grace: 2000 }),
  /** Daemon: on SIGTERM, how long waiting pushes may take to flush before exiting. */
  shutdown_timeout: duration.default(5000),
  /** Daemon: delete this instance's groups from the gateways on the way out. */
  delete_on_shutdown: z.boolean({ error: (iss) => `expected true or false, got ${describeValue(iss.input)}` }).default(false),
});

export type PushgatewayConfig = z.output<typeof pushgatewaySchema>;
export type AgentFileConfig = z.output<typeof agentSchema>;
