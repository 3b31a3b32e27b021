/**
 * The remote_write sink: one per receiver (Prometheus, Mimir, VictoriaMetrics, Thanos Receive,
 * Cortex). Every series carries job, instance, check and the configured labels, exactly the labels
 * a query sees through a Pushgateway with honor_labels, and each sample the run's start time.
 * Remote write 1.0: a snappy-compressed protobuf WriteRequest. Like a scrape, a series that a check
 * printed last time and not this time gets Prometheus' stale marker, as do a removed check's series
 * and, on a graceful stop, all of them. `once` sends its run as one request at the end; `run` keeps
 * history through a HistoryQueue.
 */
import { compress } from 'snappyjs';
import type { RemoteWriteConfig } from '../config/agent-schema.js';
import { urlCredentials } from '../common/gateway-url.js';
import { PushError } from '../errors.js';
import { redactSecrets } from '../log.js';
import type { MetricFamily } from '../metrics/types.js';
import { HistoryQueue, type QueuedSample } from './history-queue.js';
import { retryable } from './http-client.js';
import { basicAuth, httpSetup, type HttpSetup } from './http-setup.js';
import { describeRequestError, reasonOf } from './pushgateway.js';
import { encodeWriteRequest, type WriteSample, type WriteSeries } from './remote-write-proto.js';
import type { DeliveryOutcome, Identity, Keep, Report, SendOutcome, Sink, SinkContext } from './sink.js';
import { remoteWritePreviews, seriesOf, type Labels } from './remote-write-series.js';

/** One sample on its way, with its series' labels. */
interface Point {
  readonly labels: Labels;
  readonly sample: WriteSample;
}

export async function remoteWriteSinks(config: readonly RemoteWriteConfig[], ctx: SinkContext): Promise<Sink[]> {
  if (ctx.dryRun) return remoteWritePreviews(config, ctx);
  return Promise.all(
    config.map(async (c) => new RemoteWriteSink(c, await httpSetup('remote_write', c, { version: ctx.version }), ctx)),
  );
}

const HEADERS = {
  'content-encoding': 'snappy',
  'content-type': 'application/x-protobuf',
  'x-prometheus-remote-write-version': '0.1.0',
};

export class RemoteWriteSink implements Sink {
  readonly target: string;
  readonly #config: RemoteWriteConfig;
  readonly #http: HttpSetup;
  readonly #ctx: SinkContext;
  readonly #url: string;
  readonly #headers: Record<string, string>;
  /** Per check ('' for the agent's own metrics): the series of its last report and its time, for stale markers. */
  readonly #last = new Map<string, { readonly series: Map<string, Labels>; readonly timeMs: number }>();
  /** `run`: the queue; `once`: what waits for close(). */
  readonly #queue: HistoryQueue<Point> | undefined;
  readonly #pending: Point[] = [];
  readonly #counts = new Map<string, number>();

  constructor(config: RemoteWriteConfig, http: HttpSetup, ctx: SinkContext) {
    this.#config = config;
    this.#http = http;
    this.#ctx = ctx;
    const creds = urlCredentials(config.url);
    this.#url = creds?.url ?? config.url;
    const authorization = creds ? basicAuth(creds.username, creds.password) : http.authorization;
    this.#headers = { ...config.headers, ...HEADERS, ...(authorization ? { authorization } : {}) };
    this.target = redactSecrets(config.url);
    this.#queue = ctx.mode === 'run' ? this.#newQueue() : undefined;
  }

  async write(report: Report): Promise<DeliveryOutcome> {
    const slot = report.check ?? '';
    const now = new Map<string, Labels>();
    const points: Point[] = [];
    for (const s of seriesOf(report)) {
      now.set(s.key, s.labels);
      points.push({ labels: s.labels, sample: { value: s.value, timestampMs: report.timeMs } });
    }
    // A merged report ends no series: it replaces only what it carries.
    if (!report.merge) {
      for (const [key, labels] of this.#last.get(slot)?.series ?? []) {
        if (!now.has(key)) points.push({ labels, sample: { value: NaN, timestampMs: report.timeMs, stale: true } });
      }
      this.#last.set(slot, { series: now, timeMs: report.timeMs });
    }
    return this.#enqueue(points);
  }

  async remove(_identity: Identity, check: string | undefined): Promise<DeliveryOutcome> {
    return this.#enqueue(this.#end(check ?? ''));
  }

  /** Remote write keeps history: nothing can be deleted, but series of checks no longer kept end now. */
  async purge(_identity: Identity, keep: Keep): Promise<DeliveryOutcome[]> {
    const ended = [...this.#last.keys()].filter((slot) => (slot === '' ? !keep.agent : !keep.checks.includes(slot)));
    if (ended.length === 0) return [];
    return [await this.#enqueue(ended.flatMap((slot) => this.#end(slot)))];
  }

  /**
   * `run`: every series ends (stale markers), then what waits is sent within `timeoutMs`. `once`: the run's request.
   */
  async close(timeoutMs: number): Promise<boolean> {
    if (!this.#queue) {
      await this.#sendPending();
      await this.#http.client.close();
      return true;
    }
    this.#enqueue([...this.#last.keys()].flatMap((slot) => this.#end(slot)));
    const flushed = await this.#queue.flush(timeoutMs);
    if (!flushed)
      this.#ctx.log.warn('shutdown timeout reached: samples not written', {
        url: this.target,
        waiting: this.#queue.size,
      });
    this.#queue.close();
    await this.#http.client.close();
    return flushed;
  }

  families(): MetricFamily[] {
    const url = this.target;
    const samples = [...this.#counts].map(([outcome, value]) => ({
      name: 'pushagent_remote_write_samples_total',
      labels: { url, outcome },
      value,
    }));
    return [
      {
        name: 'pushagent_remote_write_samples_total',
        type: 'counter',
        help: 'Samples for a remote_write receiver by outcome (sent, retried, rejected, dropped).',
        samples,
      },
      {
        name: 'pushagent_remote_write_backlog_samples',
        type: 'gauge',
        help: 'Samples waiting for a remote_write receiver (or in flight).',
        samples: [{ name: 'pushagent_remote_write_backlog_samples', labels: { url }, value: this.#queue?.size ?? 0 }],
      },
    ];
  }

  /** Stale markers, now, for every series of `slot`'s last report; forgets it. */
  #end(slot: string): Point[] {
    const last = this.#last.get(slot);
    this.#last.delete(slot);
    if (!last) return [];
    // After the series' last sample, never at its time: a receiver refuses a second value for a
    // timestamp (the agent's own report and the stop's markers can fall in the same millisecond).
    const at = Math.max(Date.now(), last.timeMs + 1);
    return [...last.series.values()].map((labels) => ({
      labels,
      sample: { value: NaN, timestampMs: at, stale: true },
    }));
  }

  /** `run`: into the queue (settled once queued; the queue's counters tell the rest). `once`: held for close(). */
  async #enqueue(points: Point[]): Promise<DeliveryOutcome> {
    if (this.#queue) {
      this.#queue.enqueue(points.map((p) => ({ timestampMs: p.sample.timestampMs, item: p })));
      return { target: this.target, ok: true };
    }
    this.#pending.push(...points);
    return this.#once;
  }

  /** In `once` every write settles with the outcome of the run's request(s), sent at close(). */
  #settle: (o: DeliveryOutcome) => void = () => {};
  readonly #once: Promise<DeliveryOutcome> = new Promise((resolve) => (this.#settle = resolve));

  async #sendPending(): Promise<void> {
    let outcome: DeliveryOutcome = { target: this.target, ok: true };
    for (let i = 0; i < this.#pending.length; i += this.#config.max_samples_per_send) {
      const r = await this.#send(this.#pending.slice(i, i + this.#config.max_samples_per_send));
      if (!r.ok) {
        outcome = { target: this.target, ...r };
        break;
      }
    }
    this.#pending.length = 0;
    this.#settle(outcome);
  }

  #newQueue(): HistoryQueue<Point> {
    const { log } = this.#ctx;
    const url = this.target;
    return new HistoryQueue<Point>({
      send: (batch) => this.#send(batch.map((q: QueuedSample<Point>) => q.item)),
      maxPerSend: this.#config.max_samples_per_send,
      capacity: this.#config.max_backlog,
      maxAgeMs: this.#config.max_age,
      maxBackoffMs: this.#config.max_backoff,
      events: {
        counted: (outcome, n) => this.#counts.set(outcome, (this.#counts.get(outcome) ?? 0) + n),
        down: (error) =>
          log.warn('remote_write receiver unreachable; retrying with backoff, keeping the backlog', {
            url,
            error: error.message,
          }),
        up: (failures) => log.info('remote_write receiver answering again', { url, failed_attempts: failures }),
        rejected: (error, samples) =>
          log.error('remote_write batch refused by the receiver: dropped, not retried', {
            url,
            samples,
            error: error.message,
          }),
        dropped: (why, samples) =>
          log.warn(
            `remote_write samples dropped: ${why === 'full' ? 'the backlog is full (max_backlog)' : 'older than max_age'}`,
            { url, samples },
          ),
      },
    });
  }

  /**
   * One WriteRequest. 2xx is success; connection errors, timeouts, 5xx and 429 are retryable.
   * Never rejects.
   */
  async #send(points: readonly Point[]): Promise<SendOutcome> {
    const timeoutMs = this.#config.timeout;
    let answer;
    try {
      const body = compress(encodeWriteRequest(batchSeries(points)));
      answer = await this.#http.client.request(this.#url, 'POST', this.#headers, body, timeoutMs);
    } catch (err) {
      const hint = this.#url.startsWith('https:') && !this.#http.clientCert ? 'receiver' : undefined;
      const why = describeRequestError(err, timeoutMs, hint);
      return {
        ok: false,
        retryable: true,
        error: new PushError(this.target, undefined, why, { cause: err, action: 'write' }),
      };
    }
    const { status, text, headers } = answer;
    if (status >= 200 && status < 300) return { ok: true };
    return {
      ok: false,
      retryable: retryable(status),
      error: new PushError(this.target, status, reasonOf(text), { action: 'write' }),
      retryAfterMs: status === 429 ? retryAfterMs(headers['retry-after']) : undefined,
    };
  }
}

/** Samples grouped by series (labels as given), each series' samples in time order. Pure. */
export function batchSeries(points: readonly Point[]): WriteSeries[] {
  const bySeries = new Map<string, { labels: Labels; samples: WriteSample[] }>();
  for (const p of points) {
    const key = JSON.stringify(p.labels);
    const s = bySeries.get(key);
    if (s) s.samples.push(p.sample);
    else bySeries.set(key, { labels: p.labels, samples: [p.sample] });
  }
  const series = [...bySeries.values()];
  for (const s of series) s.samples.sort((a, b) => a.timestampMs - b.timestampMs);
  return series;
}

/** Retry-After as seconds or an HTTP date, in ms (at most an hour); undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - nowMs;
  return Number.isFinite(seconds) ? Math.min(Math.max(0, seconds), 3_600_000) : undefined;
}
