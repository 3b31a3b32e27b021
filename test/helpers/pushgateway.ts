/**
 * A real Pushgateway (Debian's prometheus-pushgateway) on a free loopback port, persistence off.
 * Outside CI a missing binary skips the tests that need it; in CI (CI=true) it is a failure.
 * Extra arguments (e.g. `--web.config.file=` for TLS and basic auth) and the matching client
 * credentials can be given to `start`; the readiness probe and `groups()` then use them.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { execa, type ResultPromise } from 'execa';
import { Agent, request } from 'undici';

export const PUSHGATEWAY_BIN = process.env.PUSHGATEWAY_BIN ?? 'prometheus-pushgateway';

export const hasPushgateway = spawnSync(PUSHGATEWAY_BIN, ['--version'], { stdio: 'ignore' }).status === 0;

if (!hasPushgateway && process.env.CI) {
  throw new Error(`${PUSHGATEWAY_BIN} is not installed; CI must install Debian's prometheus-pushgateway`);
}
if (!hasPushgateway)
  console.warn(`skipping Pushgateway tests: ${PUSHGATEWAY_BIN} not found (apt-get install prometheus-pushgateway)`);

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

/** How the tests reach a gateway started with a web config (TLS, client certificates, basic auth). */
export interface GatewayAccess {
  /** PEM of the CA that signed the gateway's certificate; when set, the gateway serves https. */
  readonly ca?: string;
  /** PEM client certificate and key, for a gateway that requires one. */
  readonly cert?: string;
  readonly key?: string;
  /** Basic auth credentials, for a gateway with `basic_auth_users`. */
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

export class Pushgateway {
  readonly url: string;
  readonly access: GatewayAccess;
  #proc: ResultPromise;

  private constructor(url: string, proc: ResultPromise, access: GatewayAccess) {
    this.url = url;
    this.#proc = proc;
    this.access = access;
  }

  /**
   * `extraArgs` are added to the gateway's command line; `access` says how to reach it (https with
   * `ca`, a client certificate, basic auth) for the readiness probe and `groups()`.
   */
  static async start(
    port?: number,
    extraArgs: readonly string[] = [],
    access: GatewayAccess = {},
  ): Promise<Pushgateway> {
    const p = port ?? (await freePort());
    const proc = execa(
      PUSHGATEWAY_BIN,
      [`--web.listen-address=127.0.0.1:${p}`, '--persistence.file=', '--log.level=warn', ...extraArgs],
      {
        reject: false,
        stdin: 'ignore',
      },
    );
    const gw = new Pushgateway(`${access.ca === undefined ? 'http' : 'https'}://127.0.0.1:${p}`, proc, access);
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      if (proc.exitCode !== null) throw new Error(`pushgateway exited: ${(await proc).stderr}`);
      try {
        if ((await gw.#get('/-/ready')).status === 200) return gw;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await gw.stop();
    throw new Error(`pushgateway did not become ready within 10s: ${(await proc).stderr}`);
  }

  async stop(): Promise<void> {
    this.#proc.kill('SIGTERM');
    await this.#proc;
  }

  /** Every group the gateway holds (GET /api/v1/metrics), read with `access` (default: the one given to start). */
  async groups(access: GatewayAccess = this.access): Promise<StoredGroup[]> {
    const res = await this.#get('/api/v1/metrics', access);
    if (res.status !== 200) throw new Error(`GET ${this.url}/api/v1/metrics: HTTP ${res.status}: ${res.text}`);
    const json = JSON.parse(res.text) as { data: StoredGroup[] };
    return json.data;
  }

  /** A GET with `access`: plain fetch for a plain gateway, undici with the CA and client certificate otherwise. */
  async #get(path: string, access: GatewayAccess = this.access): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = {};
    if (access.basicAuth) {
      headers.authorization = `Basic ${Buffer.from(`${access.basicAuth.username}:${access.basicAuth.password}`).toString('base64')}`;
    }
    if (access.ca === undefined && access.cert === undefined) {
      const res = await fetch(`${this.url}${path}`, { headers });
      return { status: res.status, text: await res.text() };
    }
    const agent = new Agent({ connect: { ca: access.ca, cert: access.cert, key: access.key } });
    try {
      const res = await request(`${this.url}${path}`, { headers, dispatcher: agent });
      return { status: res.statusCode, text: await res.body.text() };
    } finally {
      await agent.close();
    }
  }

  /** The group whose `check` label is `check`, or undefined. */
  async group(check: string): Promise<StoredGroup | undefined> {
    return (await this.groups()).find((g) => g.labels.check === check);
  }
}

export function family(group: StoredGroup | undefined, name: string): StoredFamily | undefined {
  return group?.[name] as StoredFamily | undefined;
}
