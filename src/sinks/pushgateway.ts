/**
 * Pushes groups to one or more Pushgateways over one keep-alive connection per gateway. Only 200
 * and 202 are success; anything else (3xx included) fails with the URL, the status and the
 * gateway's own reason from the body. Every request has a deadline. Credentials in a gateway's URL
 * are that gateway's basic auth: sent as a header, never in the URL requested, and shown as `***`.
 */
import { readFile } from 'node:fs/promises';
import type { PushgatewayConfig } from '../config/agent-schema.js';
import { formatDuration } from '../config/duration.js';
import { urlCredentials } from '../config/gateway-url.js';
import { ConfigError, fileErrorReason, PushError, type PushAction } from '../errors.js';
import { groupPath, type GroupingKey } from './grouping-key.js';
import { HttpClient, TimedOut, type RequestError } from './http-client.js';
import type { Op, SendOutcome } from './push-queue.js';
import type { DeliveryOutcome, Sink } from './sink.js';
import { redactSecrets } from '../log.js';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class PushgatewaySink implements Sink {
  readonly #config: PushgatewayConfig;
  readonly #http: HttpClient;
  /** Per configured URL: the URL to request (without credentials) and its Authorization header. */
  readonly #gateways: ReadonlyMap<string, Gateway>;
  readonly #authorization: string | undefined;
  readonly #clientCert: boolean;

  private constructor(config: PushgatewayConfig, http: HttpClient, authorization: string | undefined) {
    this.#config = config;
    this.#http = http;
    this.#authorization = authorization;
    this.#clientCert = config.tls?.cert_file !== undefined;
    this.#gateways = new Map(config.url.map((base) => [base, this.#gateway(base)]));
  }

  /**
   * Reads the secret and TLS files now (the loader has checked they are readable), so a file gone
   * since is a configuration error, not a failed push.
   */
  static async create(config: PushgatewayConfig): Promise<PushgatewaySink> {
    const read = async (file: string | undefined, key: string): Promise<string | undefined> => {
      if (file === undefined) return undefined;
      try {
        return await readFile(file, 'utf8');
      } catch (err) {
        throw new ConfigError([{ file, message: `cannot read pushgateway ${key}: ${fileErrorReason(err)}` }]);
      }
    };
    const a = config.auth;
    let authorization: string | undefined;
    if (a?.username !== undefined) {
      const password = a.password ?? (await read(a.password_file, 'auth.password_file'))?.trimEnd() ?? '';
      authorization = basicAuth(a.username, password);
    } else if (a?.bearer_token !== undefined || a?.bearer_token_file !== undefined) {
      authorization = `Bearer ${a.bearer_token ?? (await read(a.bearer_token_file, 'auth.bearer_token_file'))?.trim()}`;
    }
    const t = config.tls;
    const http = await HttpClient.create({
      https: config.url.some((u) => u.startsWith('https:')),
      ca: await read(t?.ca_file, 'tls.ca_file'),
      cert: await read(t?.cert_file, 'tls.cert_file'),
      key: await read(t?.key_file, 'tls.key_file'),
      rejectUnauthorized: !(t?.insecure_skip_verify ?? false),
    });
    return new PushgatewaySink(config, http, authorization);
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

  /** Lets the requests under way finish (each has its deadline), then closes the connections. */
  async close(): Promise<void> {
    await this.#http.close();
  }

  #each(key: GroupingKey, op: Op): Promise<DeliveryOutcome[]> {
    return Promise.all(
      this.#config.url.map(async (base) => {
        const outcome = await this.send(base, key, op);
        return outcome.ok ? { target: redactSecrets(base), ok: true } : { target: redactSecrets(base), ok: false, error: outcome.error };
      }),
    );
  }

  /** Where to send what `base` names: credentials in it become its basic auth. */
  #gateway(base: string): Gateway {
    const creds = urlCredentials(base);
    const url = (creds?.url ?? base).replace(/\/+$/, '');
    const authorization = creds ? basicAuth(creds.username, creds.password) : this.#authorization;
    return { url, shown: redactSecrets(base).replace(/\/+$/, ''), authorization };
  }

  /**
   * One operation on one gateway. Connection errors, timeouts, 5xx and 429 are `retryable`; any
   * other answer but 200/202 is a refusal that retrying would not change.
   */
  async send(base: string, key: GroupingKey, op: Op): Promise<SendOutcome> {
    const action = op.method === 'DELETE' ? 'delete' : 'push';
    const path = groupPath(key);
    const gw = this.#gateways.get(base) ?? this.#gateway(base);
    try {
      const { status, text } = await this.#request(gw, path, op.method, op.method === 'DELETE' ? undefined : op.body, action);
      if (status === 200 || status === 202) return { ok: true };
      const reason = text.trim().replace(/\s+/g, ' ').slice(0, 500) || '(empty body)';
      return { ok: false, retryable: status >= 500 || status === 429, error: new PushError(gw.shown + path, status, reason, { action }).message };
    } catch (err) {
      return { ok: false, retryable: true, error: (err as Error).message };
    }
  }

  /** The label sets of every group the gateway holds (`GET /api/v1/metrics`). */
  async listGroups(base: string): Promise<Record<string, string>[]> {
    const path = '/api/v1/metrics';
    const action = 'list groups';
    const gw = this.#gateways.get(base) ?? this.#gateway(base);
    const { status, text } = await this.#request(gw, path, 'GET', undefined, action);
    if (status !== 200) throw new PushError(gw.shown + path, status, text.trim().slice(0, 500) || '(empty body)', { action });
    try {
      const json = JSON.parse(text) as { data: { labels: Record<string, string> }[] };
      return json.data.map((g) => g.labels);
    } catch (err) {
      throw new PushError(gw.shown + path, status, 'the answer is not the JSON of /api/v1/metrics', { cause: err, action });
    }
  }

  /** Status and body of one request with the configured deadline; throws PushError when no answer came. */
  async #request(gw: Gateway, path: string, method: string, body: string | undefined, action: PushAction): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) {
      headers['content-type'] = CONTENT_TYPE;
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    if (gw.authorization) headers.authorization = gw.authorization;
    const timeoutMs = this.#config.timeout;
    const shown = gw.shown + path;
    try {
      return await this.#http.request(gw.url + path, method, headers, body, timeoutMs);
    } catch (err) {
      const e = err as RequestError;
      if (e instanceof TimedOut) {
        throw new PushError(shown, undefined, `no answer within ${formatDuration(timeoutMs)}`, { cause: err, action });
      }
      const cause = (e.cause as Error | undefined)?.message;
      // One line: OpenSSL's messages end in a newline.
      let reason = [e.code, cause ?? e.message].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim();
      if (gw.url.startsWith('https:') && !this.#clientCert && closedByHandshake(e)) {
        reason += ' (the gateway may require a client certificate: set tls.cert_file and tls.key_file)';
      }
      throw new PushError(shown, undefined, reason, { cause: err, action });
    }
  }
}

interface Gateway {
  /** The URL to request paths under: no credentials, no trailing slash. */
  readonly url: string;
  /** The configured URL as messages show it: credentials as `***`, no trailing slash. */
  readonly shown: string;
  readonly authorization: string | undefined;
}

function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * TLS alerts a server sends when it wants a client certificate and got none (TLS 1.2). The
 * OpenSSL of Node 22 and 24 names the SSLv3 ones SSL/TLS.
 */
const CLIENT_CERT_ALERTS = [
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSL/TLS_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_SSL/TLS_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
];

/**
 * Whether the connection was refused during or right after the TLS handshake, as a gateway that
 * requires a client certificate does: an alert, or (TLS 1.3, where the client finishes first) the
 * socket closed or reset before a single byte of answer was read.
 */
function closedByHandshake(e: RequestError): boolean {
  const codes = [e.code, (e.cause as NodeJS.ErrnoException | undefined)?.code];
  if (codes.some((c) => c !== undefined && CLIENT_CERT_ALERTS.includes(c))) return true;
  if (!codes.some((c) => c === 'ECONNRESET' || c === 'EPIPE')) return false;
  // A connection that failed while connecting read nothing either.
  return e.bytesRead === undefined || e.bytesRead === 0;
}
