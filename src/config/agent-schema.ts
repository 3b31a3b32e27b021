/** The configuration file (`pushagent.config.yaml`, `-c FILE`): one zod schema, strict. */
import * as z from 'zod';
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
    username: nonEmptyString.optional().describe('Basic auth: the user name; with `password` or `password_file`.'),
    password: z.string().optional().describe('Basic auth: the password. `${VAR}` keeps it out of this file.'),
    password_file: nonEmptyString.optional().describe("Basic auth: a file holding the password, relative to this file's folder."),
    bearer_token: nonEmptyString.optional().describe('A bearer token, sent as `Authorization: Bearer ...`.'),
    bearer_token_file: nonEmptyString.optional().describe("A file holding the bearer token, relative to this file's folder."),
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
    ca_file: nonEmptyString.optional().describe("The CA certificates to verify the gateway with, instead of the default ones (PEM, relative to this file's folder)."),
    cert_file: nonEmptyString.optional().describe("A client certificate (PEM, relative to this file's folder); with `key_file`."),
    key_file: nonEmptyString.optional().describe("The client certificate's private key (PEM, relative to this file's folder); with `cert_file`."),
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
    job: nonEmptyString.default('pushagent').describe('The job label of every group.'),
    // prefault rather than default: durations' defaults are written as a user would, so the JSON Schema shows "5s".
    timeout: duration.prefault('5s').describe('The deadline of each HTTP request.'),
    method: z.enum(['put', 'post']).default('put').describe("put replaces the check's whole group; post replaces only the metrics it sends."),
    auth: auth
      .optional()
      .describe('Basic auth (username with password or password_file) or a bearer token (bearer_token or bearer_token_file): one of them.'),
    tls: tls.optional().describe('TLS settings for https:// URLs.'),
    max_backoff: duration.prefault('10s').describe('`run` only: the longest wait between retries of a push while a gateway is down.'),
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
  pushgateway: pushgatewaySchema
    .optional()
    .describe('Where results go. Without it, `once` prints what it would push and `run` writes every group to stdout.'),
  instance: nonEmptyString.optional().describe("The instance label. Default: the host's FQDN, as `hostname -f` prints it."),
  labels: labels
    .default({})
    .describe("Extra grouping-key labels on every push (part of each group's URL path). Not job, instance or check."),
  checks_dir: nonEmptyString.default('checks').describe("The folder of check files (*.yaml, *.yml), relative to this file's folder."),
  defaults: z
    .strictObject({
      interval: duration.prefault('15s').describe("A check's interval when it sets neither `interval` nor `schedule`."),
      timeout: duration.prefault('10s').describe("A check's timeout when it sets none, capped at the check's interval."),
      kill_grace: duration.prefault('2s').describe("A check's kill_grace when it sets none: how long after SIGTERM at the timeout its process group gets SIGKILL."),
    })
    .prefault({})
    .describe('What a check gets when it does not say.'),
  shutdown_timeout: duration.prefault('5s').describe('`run` only: on SIGTERM or SIGINT, how long waiting pushes may take to reach the gateways.'),
  delete_on_shutdown: z
    .boolean({ error: (iss) => `expected true or false, got ${describeValue(iss.input)}` })
    .default(false)
    .describe("`run` only: delete this instance's groups from the gateways when stopping."),
});

export type PushgatewayConfig = z.output<typeof pushgatewaySchema>;
