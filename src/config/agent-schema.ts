/** The configuration file (`pushagent.config.yaml`, `-c FILE`): one zod schema, strict. */
import { z } from 'zod';
import { describeValue } from '../errors.js';
import { duration, labels, nonEmptyString } from './fields.js';

const url = nonEmptyString.refine(
  (u) => {
    try {
      return ['http:', 'https:'].includes(new URL(u).protocol);
    } catch {
      return false;
    }
  },
  { error: (iss) => `expected an http:// or https:// URL, got ${JSON.stringify(iss.input)}` },
);

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

const tls = z.strictObject({
  ca_file: nonEmptyString.optional(),
  cert_file: nonEmptyString.optional(),
  key_file: nonEmptyString.optional(),
  insecure_skip_verify: z.boolean().default(false),
});

export const pushgatewaySchema = z.strictObject({
  url: z.union([url, z.array(url).min(1, { error: 'expected at least one URL' })]).transform((u) => (Array.isArray(u) ? u : [u])),
  job: nonEmptyString.default('pushagent'),
  timeout: duration.default(5000),
  method: z.enum(['put', 'post']).default('put'),
  auth: auth.optional(),
  tls: tls.optional(),
  /** Daemon: the longest wait between retries of a push while a gateway is down. */
  max_backoff: duration.default(10_000),
});

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
