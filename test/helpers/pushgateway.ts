/**
 * A real Pushgateway (Debian's prometheus-pushgateway) on a free loopback port, persistence off.
 * Outside CI a missing binary skips the tests that need it; in CI (CI=true) it is a failure.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { execa, type ResultPromise } from 'execa';

export const PUSHGATEWAY_BIN = process.env.PUSHGATEWAY_BIN ?? 'prometheus-pushgateway';

export const hasPushgateway = spawnSync(PUSHGATEWAY_BIN, ['--version'], { stdio: 'ignore' }).status === 0;

if (!hasPushgateway && process.env.CI) {
  throw new Error(`${PUSHGATEWAY_BIN} is not installed; CI must install Debian's prometheus-pushgateway`);
}
if (!hasPushgateway) console.warn(`skipping Pushgateway tests: ${PUSHGATEWAY_BIN} not found (apt-get install prometheus-pushgateway)`);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface StoredGroup {
  labels: Record<string, string>;
  [metric: string]: unknown;
}

export interface StoredFamily {
  type: string;
  help: string;
  metrics: { labels: Record<string, string>; value: string }[];
}

export class Pushgateway {
  readonly url: string;
  #proc: ResultPromise;

  private constructor(url: string, proc: ResultPromise) {
    this.url = url;
    this.#proc = proc;
  }

  static async start(port?: number): Promise<Pushgateway> {
    const p = port ?? (await freePort());
    const proc = execa(PUSHGATEWAY_BIN, [`--web.listen-address=127.0.0.1:${p}`, '--persistence.file=', '--log.level=warn'], {
      reject: false,
      stdin: 'ignore',
    });
    const gw = new Pushgateway(`http://127.0.0.1:${p}`, proc);
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error(`pushgateway exited: ${(await proc).stderr}`);
      try {
        if ((await fetch(`${gw.url}/-/ready`)).ok) return gw;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await gw.stop();
    throw new Error('pushgateway did not become ready within 10s');
  }

  async stop(): Promise<void> {
    this.#proc.kill('SIGTERM');
    await this.#proc;
  }

  /** Every group the gateway holds (GET /api/v1/metrics). */
  async groups(): Promise<StoredGroup[]> {
    const res = await fetch(`${this.url}/api/v1/metrics`);
    const json = (await res.json()) as { data: StoredGroup[] };
    return json.data;
  }

  /** The group whose `check` label is `check`, or undefined. */
  async group(check: string): Promise<StoredGroup | undefined> {
    return (await this.groups()).find((g) => g.labels.check === check);
  }
}

export function family(group: StoredGroup | undefined, name: string): StoredFamily | undefined {
  return group?.[name] as StoredFamily | undefined;
}
