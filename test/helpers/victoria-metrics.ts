/**
 * A real VictoriaMetrics (Debian's victoria-metrics) on a free loopback port with a throw-away data
 * folder, queried through its Prometheus API. Started with no search latency offset so that what
 * was just written is queryable; it can be stopped and started again on the same port and data.
 * Outside CI a missing binary skips the tests that need it; in CI (CI=true) it is a failure.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { VectorSample } from './prometheus.js';
import { freePort } from './pushgateway.js';

export const VM_BIN = process.env.VICTORIA_METRICS_BIN ?? 'victoria-metrics';

export const hasVictoriaMetrics = spawnSync(VM_BIN, ['-version'], { stdio: 'ignore' }).status === 0;

if (!hasVictoriaMetrics && process.env.CI)
  throw new Error(`${VM_BIN} is not installed; CI must install Debian's victoria-metrics`);
if (!hasVictoriaMetrics)
  console.warn(`skipping VictoriaMetrics tests: ${VM_BIN} not found (apt-get install victoria-metrics)`);

export class VictoriaMetrics {
  readonly url: string;
  readonly #port: number;
  readonly #dir: string;
  #proc: ResultPromise | undefined;

  private constructor(port: number, dir: string) {
    this.#port = port;
    this.#dir = dir;
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(): Promise<VictoriaMetrics> {
    const vm = new VictoriaMetrics(await freePort(), await mkdtemp(path.join(tmpdir(), 'pushagent-vm-')));
    await vm.resume();
    return vm;
  }

  /** (Re)starts the server on the same port and data folder; waits until it answers. */
  async resume(): Promise<void> {
    const proc = execa(
      VM_BIN,
      [
        `-httpListenAddr=127.0.0.1:${this.#port}`,
        `-storageDataPath=${path.join(this.#dir, 'data')}`,
        '-search.latencyOffset=0s',
        '-search.disableCache',
        '-loggerLevel=ERROR',
      ],
      { reject: false, stdin: 'ignore' },
    );
    this.#proc = proc;
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error(`victoria-metrics exited: ${(await proc).stderr}`);
      try {
        if ((await fetch(`${this.url}/health`)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('victoria-metrics did not answer within 15s');
  }

  /** Stops the server, keeping its data (`resume` starts it again). */
  async pause(): Promise<void> {
    this.#proc?.kill('SIGTERM');
    await this.#proc;
    this.#proc = undefined;
  }

  async stop(): Promise<void> {
    await this.pause();
    await rm(this.#dir, { recursive: true, force: true });
  }

  /** The raw samples' timestamps (ms) of every series matching `selector` (GET /api/v1/export). */
  async timestamps(selector: string): Promise<number[][]> {
    await fetch(`${this.url}/internal/force_flush`);
    const text = await (await fetch(`${this.url}/api/v1/export?match[]=${encodeURIComponent(selector)}`)).text();
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => (JSON.parse(l) as { timestamps: number[] }).timestamps);
  }

  /** An instant query at `timeS` (default now), after making what was written searchable. */
  async query(expr: string, timeS?: number): Promise<VectorSample[]> {
    await fetch(`${this.url}/internal/force_flush`);
    const at = timeS === undefined ? '' : `&time=${timeS}`;
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}${at}`);
    const body = (await res.json()) as { status: string; data: { result: VectorSample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`${expr}: HTTP ${res.status}: ${body.error ?? ''}`);
    return body.data.result;
  }
}
