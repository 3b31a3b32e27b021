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
import type { DeliveryOutcome, Sink } from './sink.js';

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

  async write(key: GroupingKey, body: string): Promise<DeliveryOutcome[]> {
    return this.#each(key, this.#config.method === 'post' ? 'POST' : 'PUT', body);
  }

  /** Deletes the group at every gateway (the Pushgateway answers 202). */
  async delete(key: GroupingKey): Promise<DeliveryOutcome[]> {
    return this.#each(key, 'DELETE', undefined);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #each(key: GroupingKey, method: 'PUT' | 'POST' | 'DELETE', body: string | undefined): Promise<DeliveryOutcome[]> {
    return Promise.all(
      this.#config.url.map(async (base) => {
        const url = base.replace(/\/+$/, '') + groupPath(key);
        const target = redact(base);
        try {
          await this.#send(url, method, body);
          return { target, ok: true };
        } catch (err) {
          return { target, ok: false, error: (err as Error).message };
        }
      }),
    );
  }

  async #send(url: string, method: 'PUT' | 'POST' | 'DELETE', body: string | undefined): Promise<void> {
    const shown = redact(url);
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.#authorization) headers.authorization = this.#authorization;
    const timeoutMs = this.#config.timeout;
    let res;
    try {
      res = await request(url, { method, body, headers, dispatcher: this.#agent, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new PushError(shown, undefined, `no answer within ${formatDuration(timeoutMs)}`, { cause: err });
      const cause = (e.cause as Error | undefined)?.message;
      throw new PushError(shown, undefined, [e.code, cause ?? e.message].filter(Boolean).join(' '), { cause: err });
    }
    const text = await res.body.text().catch(() => '');
    if (res.statusCode === 200 || res.statusCode === 202) return;
    const reason = text.trim().replace(/\s+/g, ' ').slice(0, 500) || '(empty body)';
    throw new PushError(shown, res.statusCode, reason);
  }
}

/** A URL safe to print: credentials inside it replaced by `***`. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    if (u.username) u.username = '***';
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
