/**
 * Pushes groups to one or more Pushgateways over one keep-alive undici Agent. Only 200 and 202
 * are success; anything else (3xx included) fails with the URL, the status and the gateway's
 * own reason from the body. Every request has a deadline.
 */
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'undici';
import type { PushgatewayConfig } from '../config/agent-schema.js';
import { formatDuration } from '../config/duration.js';
import { ConfigError, PushError } from '../errors.js';
import { groupPath, type GroupingKey } from './grouping-key.js';
import type { Op, SendOutcome } from './push-queue.js';
import type { DeliveryOutcome, Sink } from './sink.js';
import { redactSecrets } from '../log.js';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class PushgatewaySink implements Sink {
  readonly #config: PushgatewayConfig;
  readonly #agent: Agent;
  readonly #authorization: string | undefined;

  private constructor(config: PushgatewayConfig, agent: Agent, authorization: string | undefined) {
    this.#config = config;
    this.#agent = agent;
    this.#authorization = authorization;
  }

  /** Reads the secret and TLS files now, so a missing one is a configuration error, not a failed push. */
  static async create(config: PushgatewayConfig): Promise<PushgatewaySink> {
    const read = async (file: string | undefined, key: string): Promise<string | undefined> => {
      if (file === undefined) return undefined;
      try {
        return await readFile(file, 'utf8');
      } catch (err) {
        throw new ConfigError([{ file, message: `cannot read pushgateway ${key}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
      }
    };
    const a = config.auth;
    let authorization: string | undefined;
    if (a?.username !== undefined) {
      const password = a.password ?? (await read(a.password_file, 'auth.password_file'))?.trimEnd() ?? '';
      authorization = `Basic ${Buffer.from(`${a.username}:${password}`).toString('base64')}`;
    } else if (a?.bearer_token !== undefined || a?.bearer_token_file !== undefined) {
      authorization = `Bearer ${a.bearer_token ?? (await read(a.bearer_token_file, 'auth.bearer_token_file'))?.trim()}`;
    }
    const t = config.tls;
    const agent = new Agent({
      connect: {
        ca: await read(t?.ca_file, 'tls.ca_file'),
        cert: await read(t?.cert_file, 'tls.cert_file'),
        key: await read(t?.key_file, 'tls.key_file'),
        rejectUnauthorized: !(t?.insecure_skip_verify ?? false),
      },
    });
    return new PushgatewaySink(config, agent, authorization);
  }

  get urls(): readonly string[] {
    return this.#config.url;
  }

  async write(key: GroupingKey, body: string): Promise<DeliveryOutcome[]> {
    return this.#each(key, { method: this.#config.method === 'post' ? 'POST' : 'PUT', body });
  }

  /** Deletes the group at every gateway (the Pushgateway answers 202). */
  async delete(key: GroupingKey): Promise<DeliveryOutcome[]> {
    return this.#each(key, { method: 'DELETE' });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #each(key: GroupingKey, op: Op): Promise<DeliveryOutcome[]> {
    return Promise.all(
      this.#config.url.map(async (base) => {
        const outcome = await this.send(base, key, op);
        return outcome.ok ? { target: redactSecrets(base), ok: true } : { target: redactSecrets(base), ok: false, error: outcome.error };
      }),
    );
  }

  /**
   * One operation on one gateway. Connection errors, timeouts, 5xx and 429 are `retryable`; any
   * other answer but 200/202 is a refusal that retrying would not change.
   */
  async send(base: string, key: GroupingKey, op: Op): Promise<SendOutcome> {
    const url = base.replace(/\/+$/, '') + groupPath(key);
    try {
      const { status, text } = await this.#request(url, op.method, op.method === 'DELETE' ? undefined : op.body);
      if (status === 200 || status === 202) return { ok: true };
      const reason = text.trim().replace(/\s+/g, ' ').slice(0, 500) || '(empty body)';
      return { ok: false, retryable: status >= 500 || status === 429, error: new PushError(redactSecrets(url), status, reason).message };
    } catch (err) {
      return { ok: false, retryable: true, error: (err as Error).message };
    }
  }

  /** The label sets of every group the gateway holds (`GET /api/v1/metrics`). */
  async listGroups(base: string): Promise<Record<string, string>[]> {
    const url = `${base.replace(/\/+$/, '')}/api/v1/metrics`;
    const { status, text } = await this.#request(url, 'GET', undefined);
    if (status !== 200) throw new PushError(redactSecrets(url), status, text.trim().slice(0, 500) || '(empty body)');
    try {
      const json = JSON.parse(text) as { data: { labels: Record<string, string> }[] };
      return json.data.map((g) => g.labels);
    } catch (err) {
      throw new PushError(redactSecrets(url), status, 'the answer is not the JSON of /api/v1/metrics', { cause: err });
    }
  }

  /** Status and body of one request with the configured deadline; throws PushError when no answer came. */
  async #request(url: string, method: string, body: string | undefined): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.#authorization) headers.authorization = this.#authorization;
    const timeoutMs = this.#config.timeout;
    const shown = redactSecrets(url);
    try {
      const res = await request(url, { method, body, headers, dispatcher: this.#agent, signal: AbortSignal.timeout(timeoutMs) });
      return { status: res.statusCode, text: await res.body.text() };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new PushError(shown, undefined, `no answer within ${formatDuration(timeoutMs)}`, { cause: err });
      const cause = (e.cause as Error | undefined)?.message;
      throw new PushError(shown, undefined, [e.code, cause ?? e.message].filter(Boolean).join(' '), { cause: err });
    }
  }
}
