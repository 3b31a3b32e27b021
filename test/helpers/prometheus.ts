/**
 * A real Prometheus (Debian's prometheus) on a free loopback port with a throw-away TSDB, scraping
 * and evaluating every second, read back through its HTTP API. Outside CI a missing binary skips
 * the tests that need it; in CI (CI=true) it is a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { seriesKey } from './exposition.js';
import { freePort } from './pushgateway.js';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? 'prometheus';

export const hasPrometheus = spawnSync(PROMETHEUS_BIN, ['--version'], { stdio: 'ignore' }).status === 0;

if (!hasPrometheus && process.env.CI) {
  throw new Error(`${PROMETHEUS_BIN} is not installed; CI must install Debian's prometheus`);
}
if (!hasPrometheus)
  console.warn(`skipping Prometheus end-to-end tests: ${PROMETHEUS_BIN} not found (apt-get install prometheus)`);

/** One element of an instant vector: its labels (`__name__` included) and its value as Prometheus prints it. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * A query's answer (of Prometheus or VictoriaMetrics) as series → value as the server prints it,
 * keyed like samplesOf's `name{labels sorted}` (helpers/exposition.ts).
 */
export function vectorOf(samples: readonly VectorSample[]): Map<string, string> {
  return new Map(
    samples.map((s) => {
      const { __name__: name = '', ...labels } = s.metric;
      return [seriesKey(name, labels), s.value[1]];
    }),
  );
}

export interface RuleState {
  name: string;
  health: string;
  lastError?: string;
  lastEvaluation: string;
  state?: string;
}

export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
}

export class Prometheus {
  readonly url: string;
  readonly #proc: ResultPromise;
  readonly #dir: string;

  private constructor(url: string, proc: ResultPromise, dir: string) {
    this.url = url;
    this.#proc = proc;
    this.#dir = dir;
  }

  /**
   * Starts Prometheus with `config` (a whole prometheus.yml) written to a temporary folder that also
   * holds its TSDB; waits until it is ready.
   */
  static async start(config: string, extraArgs: readonly string[] = []): Promise<Prometheus> {
    const dir = await mkdtemp(path.join(tmpdir(), 'pushagent-prometheus-'));
    const file = path.join(dir, 'prometheus.yml');
    await writeFile(file, config);
    const port = await freePort();
    const proc = execa(
      PROMETHEUS_BIN,
      [
        `--config.file=${file}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
        ...extraArgs,
      ],
      { reject: false, stdin: 'ignore' },
    );
    const prom = new Prometheus(`http://127.0.0.1:${port}`, proc, dir);
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (proc.exitCode !== null) {
        await rm(dir, { recursive: true, force: true });
        throw new Error(`prometheus exited: ${(await proc).stderr}`);
      }
      try {
        if ((await fetch(`${prom.url}/-/ready`)).status === 200) return prom;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await prom.stop();
    throw new Error(`prometheus did not become ready within 10s: ${(await proc).stderr}`);
  }

  /** Stops Prometheus and removes its folder (config and TSDB). */
  async stop(): Promise<void> {
    this.#proc.kill('SIGTERM');
    await this.#proc;
    await rm(this.#dir, { recursive: true, force: true });
  }

  /** An instant query (GET /api/v1/query) evaluated now. */
  async query(expr: string): Promise<VectorSample[]> {
    const data = await this.#api<{ resultType: string; result: VectorSample[] }>(
      `/api/v1/query?query=${encodeURIComponent(expr)}`,
    );
    if (data.resultType !== 'vector') throw new Error(`${expr}: expected a vector, got a ${data.resultType}`);
    return data.result;
  }

  /**
   * The sum of one metric of Prometheus' own /metrics over its series whose line contains every
   * string of `having` (0 when it has none yet), e.g. its counters of refused samples.
   */
  async ownMetric(name: string, having: readonly string[] = []): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`)).text();
    return text
      .split('\n')
      .filter((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && having.every((h) => l.includes(h)))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }

  /** Every alerting and recording rule with its health and last evaluation (GET /api/v1/rules). */
  async rules(): Promise<RuleState[]> {
    const data = await this.#api<{ groups: { rules: RuleState[] }[] }>('/api/v1/rules');
    return data.groups.flatMap((g) => g.rules);
  }

  /** Alerts pending or firing (GET /api/v1/alerts). */
  async alerts(): Promise<ActiveAlert[]> {
    return (await this.#api<{ alerts: ActiveAlert[] }>('/api/v1/alerts')).alerts;
  }

  async #api<T>(pathAndQuery: string): Promise<T> {
    const res = await fetch(`${this.url}${pathAndQuery}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`GET ${pathAndQuery}: HTTP ${res.status}: ${body.error ?? ''}`);
    return body.data;
  }
}
