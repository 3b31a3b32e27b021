/**
 * The Pushgateway sink: one per gateway URL. A report becomes its group (job, instance, check and
 * the configured labels in the URL path) with a text 0.0.4 body, PUT (or POST, `method: post`).
 * Only 200 and 202 are success; anything else (3xx included) fails with the URL, the status and the
 * gateway's own reason. In `run` a queue per gateway keeps the newest operation of each group and
 * retries it; when the gateway answers again, every group's latest is sent again and stale groups
 * are looked for. Credentials in a URL are that gateway's basic auth: sent as a header, never in
 * the URL requested, and shown as `***`.
 */
import type { PushgatewayConfig } from '../config/agent-schema.js';
import { formatDuration } from '../common/duration.js';
import { urlCredentials } from '../common/gateway-url.js';
import { PushError, type PushAction } from '../errors.js';
import { serialize } from '../expose/text.js';
import { redactSecrets } from '../log.js';
import { canonicalKey, describeKey, groupingKey, groupPath, keyFromLabels, type GroupingKey } from './grouping-key.js';
import { retryable, TimedOut, type HttpClient, type RequestError } from './http-client.js';
import { HostBatch } from './host-batch.js';
import { basicAuth, httpSetup } from './http-setup.js';
import { PushQueue, type Op, type Settled } from './push-queue.js';
import type { DeliveryOutcome, Identity, Keep, Report, SendOutcome, Sink, SinkContext } from './sink.js';
import { gatewayPreview } from './stdout.js';

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/** Where a gateway lists its groups. */
const LIST_PATH = '/api/v1/metrics';

export async function pushgatewaySinks(config: PushgatewayConfig, ctx: SinkContext): Promise<Sink[]> {
  if (ctx.dryRun) return [gatewayPreview(ctx.stdout)];
  // `once` pushes many groups at once: a few connections per gateway; the daemon's queue needs one.
  const setup = await httpSetup('pushgateway', config, {
    version: ctx.version,
    connections: ctx.mode === 'once' ? 4 : 1,
  });
  let open = config.url.length;
  const release = async (): Promise<void> => {
    open -= 1;
    if (open === 0) await setup.client.close();
  };
  return config.url.map((base) => new PushgatewaySink(base, config, { ...setup, release }, ctx));
}

/** The group of a check's report (or of the agent's own metrics, without `check`). */
export function groupOf(identity: Identity, check: string | undefined): GroupingKey {
  return groupingKey(identity.job, identity.instance, check, identity.labels);
}

interface Connection {
  readonly client: HttpClient;
  readonly authorization: string | undefined;
  readonly clientCert: boolean;
  readonly release: () => Promise<void>;
}

export class PushgatewaySink implements Sink {
  readonly target: string;
  readonly #config: PushgatewayConfig;
  readonly #ctx: SinkContext;
  readonly #conn: Connection;
  /** The URL to request paths under: no credentials, no trailing slash. */
  readonly #url: string;
  readonly #authorization: string | undefined;
  /** `run`: the queue, every group's latest operation, and what the last purge kept. */
  readonly #queue: PushQueue | undefined;
  readonly #latest = new Map<string, { key: GroupingKey; op: Op }>();
  /** `grouping: host`: every check's part of the host's one group. */
  readonly #host: HostBatch | undefined;
  #lastPurge: { identity: Identity; keep: Keep } | undefined;

  constructor(base: string, config: PushgatewayConfig, conn: Connection, ctx: SinkContext) {
    this.#config = config;
    this.#ctx = ctx;
    this.#conn = conn;
    const creds = urlCredentials(base);
    this.#url = (creds?.url ?? base).replace(/\/+$/, '');
    this.#authorization = creds ? basicAuth(creds.username, creds.password) : conn.authorization;
    this.target = redactSecrets(base);
    this.#queue = ctx.mode === 'run' ? this.#newQueue() : undefined;
    this.#host = config.grouping === 'host' ? this.#newHostBatch() : undefined;
  }

  write(report: Report): Promise<DeliveryOutcome> {
    if (this.#host) return this.#host.set(report.identity, report.check, report.families, report.merge);
    const method = report.merge || (report.check !== undefined && this.#config.method === 'post') ? 'POST' : 'PUT';
    return this.#do(groupOf(report.identity, report.check), { method, body: serialize(report.families) });
  }

  remove(identity: Identity, check: string | undefined): Promise<DeliveryOutcome> {
    if (this.#host) return this.#host.delete(identity, check);
    return this.#do(groupOf(identity, check), { method: 'DELETE' });
  }

  /**
   * Deletes every group the gateway lists for this job and instance that `keep` does not own: with
   * `grouping: host`, every group but the host's (the check groups of the other mode included), and
   * that one too when nothing is kept.
   */
  async purge(identity: Identity, keep: Keep): Promise<DeliveryOutcome[]> {
    if (this.#queue) this.#lastPurge = { identity, keep };
    this.#host?.keepOnly(keep);
    let listed: Record<string, string>[];
    try {
      listed = await this.listGroups();
    } catch (err) {
      const error = this.#failure(err, LIST_PATH, 'list groups');
      this.#ctx.log.debug('cannot list groups yet; will look again when the gateway answers', {
        gateway: this.target,
        error: error.message,
      });
      return [{ target: this.target, ok: false, retryable: retryable(error.status), error }];
    }
    const owned = this.#host
      ? keep.agent || keep.checks.length > 0
        ? [groupOf(identity, undefined)]
        : []
      : [...(keep.agent ? [groupOf(identity, undefined)] : []), ...keep.checks.map((c) => groupOf(identity, c))];
    const own = new Set(owned.map(canonicalKey));
    const stale = listed
      .filter((labels) => labels.job === identity.job && labels.instance === identity.instance)
      .map(keyFromLabels)
      .filter((key) => !own.has(canonicalKey(key)));
    return Promise.all(
      stale.map((key) => {
        if (this.#queue)
          this.#ctx.log.info('deleting a stale group no check owns', { gateway: this.target, group: describeKey(key) });
        return this.#do(key, { method: 'DELETE' }).then((o) => ({ ...o, subject: describeKey(key) }));
      }),
    );
  }

  async close(timeoutMs: number): Promise<boolean> {
    let flushed = true;
    // `once`: the host's one PUT; `run`: what waits for the next tick goes now.
    const last = this.#host?.flush();
    if (!this.#queue && last) flushed = (await last)?.ok ?? true;
    if (this.#queue) {
      flushed = await this.#queue.flush(timeoutMs);
      if (!flushed)
        this.#ctx.log.warn('shutdown timeout reached: pushes not delivered', {
          gateway: this.target,
          waiting: this.#queue.size,
        });
      this.#queue.close();
    }
    await this.#conn.release();
    return flushed;
  }

  /** `once`: send now; `run`: queue (the newest operation of a group wins) and remember it. */
  async #do(key: GroupingKey, op: Op): Promise<DeliveryOutcome> {
    let outcome: Settled;
    if (this.#queue) {
      if (op.method === 'DELETE') this.#latest.delete(describeKey(key));
      else this.#latest.set(describeKey(key), { key, op });
      outcome = await this.#queue.enqueue(key, op);
    } else {
      outcome = await this.send(key, op);
    }
    if (outcome === 'dropped') {
      const reason = 'not delivered: the queue was closed';
      const error = new PushError(this.#shown(groupPath(key)), undefined, reason, { action: actionOf(op) });
      outcome = { ok: false, retryable: false, error };
    }
    return { target: this.target, ...outcome };
  }

  #newHostBatch(): HostBatch {
    return new HostBatch({
      target: this.target,
      tickMs: this.#queue ? (this.#ctx.tickMs ?? (() => 1000)) : undefined,
      send: (identity, families) => {
        const key = groupOf(identity, undefined);
        return this.#do(
          key,
          families === undefined ? { method: 'DELETE' } : { method: 'PUT', body: serialize(families) },
        );
      },
      conflict: (names) =>
        this.#ctx.log.warn('metrics left out of the host group: another check has the name with another type', {
          gateway: this.target,
          metrics: names.join(' '),
        }),
    });
  }

  #newQueue(): PushQueue {
    const { log, stats } = this.#ctx;
    const gateway = this.target;
    const checkOf = (key: GroupingKey) => key.labels.find(([n]) => n === 'check')?.[1];
    const queue: PushQueue = new PushQueue({
      send: (key, op) => this.send(key, op),
      maxBackoffMs: this.#config.max_backoff,
      events: {
        attempt: (outcome, key, op) => {
          stats.push(gateway, outcome);
          if (outcome === 'success')
            log.debug(`${op.method} accepted`, { gateway, group: describeKey(key), check: checkOf(key) });
        },
        down: (error) =>
          log.warn('gateway unreachable; retrying with backoff, keeping only the latest result of each group', {
            gateway,
            error: error.message,
          }),
        up: (failures) => {
          // A gateway that lost its state (restarted without persistence) gets everything back now,
          // once-a-minute checks included, and groups left from before are looked for.
          log.info("gateway answering again: sending every group's latest result", {
            gateway,
            failed_attempts: failures,
            groups: this.#latest.size,
          });
          for (const { key, op } of this.#latest.values()) void queue.enqueue(key, op);
          if (this.#lastPurge) void this.purge(this.#lastPurge.identity, this.#lastPurge.keep);
        },
        rejected: (key, op, error) =>
          log.error(`${op.method} refused by the gateway`, { gateway, check: checkOf(key), error: error.message }),
      },
    });
    return queue;
  }

  /**
   * One operation on the gateway. Connection errors, timeouts, 5xx and 429 are `retryable`; any
   * other answer but 200/202 is a refusal that retrying would not change. Never rejects.
   */
  async send(key: GroupingKey, op: Op): Promise<SendOutcome> {
    const action = actionOf(op);
    const path = groupPath(key);
    try {
      const { status, text } = await this.#request(
        path,
        op.method,
        op.method === 'DELETE' ? undefined : op.body,
        action,
      );
      if (status === 200 || status === 202) return { ok: true };
      return {
        ok: false,
        retryable: retryable(status),
        error: new PushError(this.#shown(path), status, reasonOf(text), { action }),
      };
    } catch (err) {
      return { ok: false, retryable: true, error: this.#failure(err, path, action) };
    }
  }

  /** The label sets of every group the gateway holds (`GET /api/v1/metrics`). */
  async listGroups(): Promise<Record<string, string>[]> {
    const path = LIST_PATH;
    const action = 'list groups';
    const { status, text, truncated } = await this.#request(path, 'GET', undefined, action);
    if (status !== 200) throw new PushError(this.#shown(path), status, reasonOf(text), { action });
    try {
      if (truncated) throw new Error('truncated');
      const json = JSON.parse(text) as { data: { labels: Record<string, string> }[] };
      return json.data.map((g) => g.labels);
    } catch (err) {
      const why = truncated
        ? 'the answer is larger than pushagent reads'
        : 'the answer is not the JSON of /api/v1/metrics';
      throw new PushError(this.#shown(path), status, why, { cause: err, action });
    }
  }

  #shown(path: string): string {
    return this.target.replace(/\/+$/, '') + path;
  }

  /** `err` as the PushError it is (#request throws no other), or wrapped in one: a failure is never lost. */
  #failure(err: unknown, path: string, action: PushAction): PushError {
    return err instanceof PushError
      ? err
      : new PushError(this.#shown(path), undefined, String(err), { cause: err, action });
  }

  /** Status and body of one request with the configured deadline; throws PushError when no answer came. */
  async #request(path: string, method: string, body: string | undefined, action: PushAction) {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = CONTENT_TYPE;
    if (this.#authorization) headers.authorization = this.#authorization;
    const timeoutMs = this.#config.timeout;
    try {
      return await this.#conn.client.request(this.#url + path, method, headers, body, timeoutMs);
    } catch (err) {
      throw new PushError(
        this.#shown(path),
        undefined,
        describeRequestError(
          err,
          timeoutMs,
          this.#url.startsWith('https:') && !this.#conn.clientCert ? 'gateway' : undefined,
        ),
        { cause: err, action },
      );
    }
  }
}

const actionOf = (op: Op): PushAction => (op.method === 'DELETE' ? 'delete' : 'push');

/** The receiver's own reason, on one line and bounded. */
export function reasonOf(text: string): string {
  const line = text.trim().replace(/\s+/g, ' ');
  return line.length > 500 ? `${line.slice(0, 500)}… (truncated)` : line || '(empty body)';
}

/**
 * Why no answer came, on one line. `server` (the gateway, the receiver), when no client certificate
 * is configured, adds a hint to set one when the TLS handshake was refused.
 */
export function describeRequestError(err: unknown, timeoutMs: number, server: string | undefined): string {
  if (err instanceof TimedOut) return `no answer within ${formatDuration(timeoutMs)}`;
  const e = err as RequestError;
  const cause = (e.cause as Error | undefined)?.message;
  // One line: OpenSSL's messages end in a newline.
  const reason = [e.code, cause ?? e.message].filter(Boolean).join(' ').replace(/\s+/g, ' ').trim();
  return server !== undefined && closedByHandshake(e)
    ? `${reason} (the ${server} may require a client certificate: set tls.cert_file and tls.key_file)`
    : reason;
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
 * Whether the connection was refused during or right after the TLS handshake, as a server that
 * requires a client certificate does: an alert, or (TLS 1.3, where the client finishes first) the
 * socket closed or reset before a single byte of answer was read.
 */
function closedByHandshake(e: RequestError): boolean {
  const codes = [e.code, (e.cause as NodeJS.ErrnoException | undefined)?.code];
  if (codes.some((c) => c !== undefined && CLIENT_CERT_ALERTS.includes(c))) return true;
  if (!codes.some((c) => c === 'ECONNRESET' || c === 'EPIPE')) return false;
  return e.bytesRead === undefined || e.bytesRead === 0;
}
