/**
 * Exporter mode: `run` serves `GET /metrics` for Prometheus to scrape: the latest result of every
 * check (samples with `check` and the configured labels; the scrape adds job and instance) and the
 * agent's own metrics, as one exposition (families merged by name). Answering never runs a check:
 * it serves what the schedule last produced, rendered once per change, so a slow check never slows
 * a scrape and a scrape storm spawns nothing. `/-/healthy` answers 200; anything else 404. TLS,
 * basic auth, headers and rate limit come from an exporter-toolkit web config (exporter-gate.ts).
 *
 * `once` serves nothing (nothing would be left to scrape once it exits): there the exporter makes no
 * sink. A sink that replaces another on reload takes over its listening socket (the same address and
 * scheme: new TLS settings apply to new connections) and its latest results, so a reload neither
 * refuses a scrape nor makes series vanish.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { gzipSync } from 'node:zlib';
import { EXPORTER_DEFAULT_PORT } from '../config/agent-schema.js';
import type { ExporterConfig } from '../config/load.js';
import { PushagentError } from '../errors.js';
import { serialize } from '../expose/text.js';
import type { MetricFamily } from '../metrics/types.js';
import { Gate, serverTlsOptions } from './exporter-gate.js';
import { acceptsGzip, exposedFamilies, mergeFamilies } from './exposed.js';
import type { DeliveryOutcome, Identity, Keep, Report, Sink, SinkContext } from './sink.js';
import { printingSink } from './stdout.js';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** `listen` as node:net takes it: host undefined for every address. */
export function listenAddress(listen: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d+))?$/.exec(listen);
  const host = m?.[1] ?? m?.[2];
  return { host: host === '' ? undefined : host, port: m?.[3] === undefined ? EXPORTER_DEFAULT_PORT : Number(m[3]) };
}

export async function exporterSinks(
  config: ExporterConfig,
  ctx: SinkContext,
  previous: readonly Sink[] = [],
): Promise<Sink[]> {
  const target = targetOf(config);
  if (ctx.dryRun) {
    return [
      printingSink(
        ctx.stdout,
        (r) =>
          `# exporter ${target}: ${r.check === undefined ? 'the agent' : `check "${r.check}"`}\n${serialize(exposedFamilies(r))}`,
      ),
    ];
  }
  if (ctx.mode !== 'run') return [];
  const sink = new ExporterSink(config, target, ctx);
  await sink.start(previous.find((s): s is ExporterSink => s instanceof ExporterSink));
  return [sink];
}

function targetOf(config: ExporterConfig): string {
  const { host, port } = listenAddress(config.listen);
  const shown = host === undefined ? '0.0.0.0' : host.includes(':') ? `[${host}]` : host;
  return `${config.web?.tls ? 'https' : 'http'}://${shown}:${port}/metrics`;
}

export class ExporterSink implements Sink {
  readonly target: string;
  readonly #config: ExporterConfig;
  readonly #ctx: SinkContext;
  readonly #gate: Gate;
  /** The latest report of every check ('' for the agent's own metrics). */
  #reports = new Map<string, Report>();
  #body: { text: Buffer; gzip?: Buffer } | undefined;
  #server: Server | HttpsServer | undefined;
  /** Set when a newer sink took over the server: closing this one leaves it open. */
  #handedOver = false;
  readonly #requests = new Map<string, number>();
  readonly #warned = new Set<string>();

  constructor(config: ExporterConfig, target: string, ctx: SinkContext) {
    this.#config = config;
    this.#ctx = ctx;
    this.#gate = new Gate(config.web);
    this.target = target;
  }

  /** Listens, or takes over `previous`'s socket when it listens on the same address and scheme; takes its results. */
  async start(previous: ExporterSink | undefined): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => void this.#handle(req, res);
    const tls = this.#config.web?.tls;
    const old = previous ? previous.#server : undefined;
    if (
      old &&
      previous &&
      previous.#config.listen === this.#config.listen &&
      Boolean(previous.#config.web?.tls) === Boolean(tls)
    ) {
      old.removeAllListeners('request');
      old.on('request', handler);
      if (tls) (old as HttpsServer).setSecureContext(serverTlsOptions(tls));
      this.#server = old;
      this.#reports = previous.#handOver();
      return;
    }
    const server = tls ? createHttpsServer(serverTlsOptions(tls), handler) : createHttpServer(handler);
    server.keepAliveTimeout = 65_000;
    try {
      await this.#listen(server);
    } catch (err) {
      // The old socket holds the address (or the scheme changed): it goes first.
      if (!old || (err as { cause?: NodeJS.ErrnoException }).cause?.code !== 'EADDRINUSE') throw err;
      await closeServer(old);
      await this.#listen(server);
    }
    if (old) void closeServer(old);
    if (previous) this.#reports = previous.#handOver();
    server.on('error', (err) =>
      this.#ctx.log.error('exporter server error', { listen: this.#config.listen, error: err.message }),
    );
    // A client that breaks the TLS handshake (a plain-HTTP scrape, a missing client certificate) is its own problem.
    server.on('tlsClientError', (err, socket) => {
      this.#ctx.log.debug('TLS handshake refused', { listen: this.#config.listen, error: err.message });
      socket.destroy();
    });
    this.#server = server;
    this.#ctx.log.info('serving /metrics', { url: this.target });
  }

  #listen(server: Server | HttpsServer): Promise<void> {
    const { host, port } = listenAddress(this.#config.listen);
    return new Promise<void>((resolve, reject) => {
      const failed = (err: NodeJS.ErrnoException): void => {
        const why = err.code === 'EADDRINUSE' ? 'address already in use' : (err.code ?? err.message);
        reject(
          new PushagentError('CONFIG_INVALID', `exporter: cannot listen on ${this.#config.listen}: ${why}`, {
            cause: err,
          }),
        );
      };
      server.once('error', failed);
      server.listen({ host, port }, () => {
        server.off('error', failed);
        resolve();
      });
    });
  }

  async write(report: Report): Promise<DeliveryOutcome> {
    this.#reports.set(
      report.check ?? '',
      report.merge ? merged(this.#reports.get(report.check ?? ''), report) : report,
    );
    this.#body = undefined;
    return { target: this.target, ok: true };
  }

  async remove(_identity: Identity, check: string | undefined): Promise<DeliveryOutcome> {
    if (this.#reports.delete(check ?? '')) this.#body = undefined;
    return { target: this.target, ok: true };
  }

  /**
   * Forgets the results of checks not kept, and those of another identity (a reload changed job, instance or labels).
   */
  async purge(identity: Identity, keep: Keep): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    for (const [slot, report] of this.#reports) {
      const kept =
        (slot === '' ? keep.agent : keep.checks.includes(slot)) &&
        JSON.stringify(report.identity) === JSON.stringify(identity);
      if (kept) continue;
      this.#reports.delete(slot);
      this.#body = undefined;
      outcomes.push({ target: this.target, ok: true, subject: slot === '' ? 'the agent' : `check "${slot}"` });
    }
    return outcomes;
  }

  async close(timeoutMs: number): Promise<boolean> {
    const server = this.#server;
    this.#server = undefined;
    if (!server || this.#handedOver) return true;
    return Promise.race([
      closeServer(server).then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref()),
    ]);
  }

  families(): MetricFamily[] {
    const name = 'pushagent_exporter_requests_total';
    const samples = [...this.#requests].map(([code, value]) => ({ name, labels: { code }, value }));
    return samples.length === 0
      ? []
      : [
          {
            name,
            type: 'counter',
            help: 'HTTP requests to the /metrics server of exporter mode, by status code.',
            samples,
          },
        ];
  }

  /** The results, for the sink taking over; this one keeps none. */
  #handOver(): Map<string, Report> {
    this.#handedOver = true;
    const reports = this.#reports;
    this.#reports = new Map();
    return reports;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const verdict = await this.#gate.check(req, res);
    if (verdict === 'refused') {
      this.#count('refused');
      req.socket.destroy();
      return;
    }
    if (verdict !== 'pass') {
      if (verdict === 'unauthorized') res.setHeader('www-authenticate', 'Basic');
      return this.#answer(
        res,
        verdict === 'unauthorized' ? 401 : 429,
        verdict === 'unauthorized' ? 'Unauthorized\n' : 'Too Many Requests\n',
      );
    }
    const path = (req.url ?? '').split('?')[0];
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && path === '/-/healthy') return this.#answer(res, 200, 'Healthy.\n');
    if (!read || path !== '/metrics') return this.#answer(res, 404, 'Not Found\n');
    const body = this.#render();
    const gzip = acceptsGzip(req.headers['accept-encoding']);
    if (gzip) body.gzip ??= gzipSync(body.text);
    res.setHeader('content-type', CONTENT_TYPE);
    res.setHeader('vary', 'Accept-Encoding');
    if (gzip) res.setHeader('content-encoding', 'gzip');
    const payload = gzip ? body.gzip! : body.text;
    res.setHeader('content-length', payload.length);
    this.#count('200');
    res.end(req.method === 'HEAD' ? undefined : payload);
  }

  #answer(res: ServerResponse, status: number, text: string): void {
    this.#count(String(status));
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
  }

  #count(code: string): void {
    this.#requests.set(code, (this.#requests.get(code) ?? 0) + 1);
  }

  /** The exposition of every latest result, rendered once per change. */
  #render(): { text: Buffer; gzip?: Buffer } {
    if (this.#body) return this.#body;
    const sources = [...this.#reports]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([check, r]) => ({ check, families: exposedFamilies(r) }));
    const { families, conflicts } = mergeFamilies(sources);
    for (const c of conflicts) {
      const key = `${c.family}/${c.check}`;
      if (this.#warned.has(key)) continue;
      this.#warned.add(key);
      this.#ctx.log.warn('a metric family another check exposes with another type is left out of /metrics', {
        check: c.check,
        family: c.family,
        type: c.type,
        exposed_as: c.kept,
      });
    }
    this.#body = { text: Buffer.from(serialize(families)) };
    return this.#body;
  }
}

/** A merged report: the families it sends replace those of the same name; the others stay. */
function merged(before: Report | undefined, report: Report): Report {
  if (!before) return report;
  const sent = new Set(report.families.map((f) => f.name));
  return { ...report, families: [...before.families.filter((f) => !sent.has(f.name)), ...report.families] };
}

/** Stops accepting, closes idle keep-alive connections now and the others once answered. */
function closeServer(server: Server | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
