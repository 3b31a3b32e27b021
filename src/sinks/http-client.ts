/**
 * HTTP for every sink, through undici: a keep-alive `Pool` per origin (one connection unless told
 * otherwise), a deadline per request that starts when the request is sent (time spent waiting for
 * a free connection does not count), and at most `maxBodyBytes` of any answer read: the rest is
 * discarded, so a server answering with an endless body costs nothing but that prefix.
 *
 * Pool, request() and the errors come from their own modules, not undici's index: the index also
 * builds fetch, WebSocket, the cookie and cache stores, which no sink uses; loading them costs a
 * bare process 9 MiB of resident memory (3 MiB of it heap), `run` 3-4 MiB for good, and every
 * `once` tens of milliseconds. (The index also copies request() onto every dispatcher's
 * prototype; here it is called on the pool, `request.call(pool, …)`, and nothing of undici is
 * changed.) The package has no `exports` map; the bundle pins the files at build time, and an
 * undici that moves them fails the build and the tests, not a user.
 */
import request from 'undici/lib/api/api-request.js';
import { RequestAbortedError, SocketError } from 'undici/lib/core/errors.js';
import Pool from 'undici/lib/dispatcher/pool.js';

export interface HttpClientOptions {
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly rejectUnauthorized: boolean;
  /** Connections per origin: 1 for the daemon's queues, a few for `once`. */
  readonly connections?: number;
  /** Sent as `User-Agent` unless a request sets its own. */
  readonly userAgent?: string;
  /** How much of an answer's body is read (for the error message); the rest is discarded. */
  readonly maxBodyBytes?: number;
}

export interface HttpAnswer {
  readonly status: number;
  /** At most maxBodyBytes of the body, decoded as UTF-8. */
  readonly text: string;
  /** Whether the body was longer than what `text` holds. */
  readonly truncated: boolean;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What the deadline ends a request with. */
export class TimedOut extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'TimedOut';
  }
}

/** A request's failure: the socket's error code, and how much the connection had read (0: refused at the handshake). */
export type RequestError = NodeJS.ErrnoException & { bytesRead?: number };

export const MAX_BODY_BYTES = 64 * 1024;

/** Whether trying again could help: no answer (a connection error, a timeout), 5xx, or 429. */
export function retryable(status: number | undefined): boolean {
  return status === undefined || status >= 500 || status === 429;
}

export class HttpClient {
  readonly #opts: HttpClientOptions;
  readonly #origins = new Map<string, Origin>();
  /** Requests under way: close() lets them finish. */
  readonly #inflight = new Set<Promise<unknown>>();

  private constructor(opts: HttpClientOptions) {
    this.#opts = opts;
  }

  static async create(o: HttpClientOptions): Promise<HttpClient> {
    return new HttpClient(o);
  }

  /** Status and (a bounded prefix of the) body; rejects with TimedOut at the deadline, or a RequestError. */
  async request(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    timeoutMs: number,
  ): Promise<HttpAnswer> {
    const pending = this.#exchange(new URL(url), method, headers, body, timeoutMs);
    this.#inflight.add(pending);
    try {
      return await pending;
    } finally {
      this.#inflight.delete(pending);
    }
  }

  /** Lets the requests under way finish (each has its deadline), then closes the connections. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
    await Promise.allSettled([...this.#origins.values()].map((o) => o.pool.destroy()));
    this.#origins.clear();
  }

  #origin(origin: string): Origin {
    let o = this.#origins.get(origin);
    if (!o) {
      const { ca, cert, key, rejectUnauthorized, connections = 1 } = this.#opts;
      // undici's own timeouts stay as a backstop; the deadline above is what ends a request.
      const pool = new Pool(origin, { connections, pipelining: 1, connect: { ca, cert, key, rejectUnauthorized } });
      o = new Origin(pool, connections);
      this.#origins.set(origin, o);
    }
    return o;
  }

  async #exchange(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    timeoutMs: number,
  ): Promise<HttpAnswer> {
    const origin = this.#origin(url.origin);
    // At most `connections` requests per origin are handed to undici, so none waits inside its pool:
    // the deadline starts when the request gets a connection, and a queue of pushes ahead of it
    // does not eat into it.
    await origin.slot();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new TimedOut(timeoutMs)), timeoutMs);
    try {
      return await this.#send(origin.pool, url, method, headers, body, controller.signal);
    } catch (err) {
      throw controller.signal.aborted ? controller.signal.reason : translate(err);
    } finally {
      clearTimeout(timer);
      origin.release();
    }
  }

  async #send(
    pool: Pool,
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    signal: AbortSignal,
  ): Promise<HttpAnswer> {
    const limit = this.#opts.maxBodyBytes ?? MAX_BODY_BYTES;
    const all =
      this.#opts.userAgent && !('user-agent' in headers) ? { 'user-agent': this.#opts.userAgent, ...headers } : headers;
    const res = await request.call(pool, {
      path: url.pathname + url.search,
      method: method as 'GET',
      headers: all,
      body,
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const room = limit - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        size = limit;
        truncated = true;
        // The rest is discarded: destroying the body closes that connection instead of reading on.
        res.body.destroy();
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    return { status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'), truncated, headers: res.headers };
  }
}

/** A pool and the slots that keep requests out of its internal queue. */
class Origin {
  readonly pool: Pool;
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(pool: Pool, connections: number) {
    this.pool = pool;
    this.#free = connections;
  }

  async slot(): Promise<void> {
    if (this.#free > 0) {
      this.#free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free += 1;
  }
}

/** undici's errors as the sinks word them: the socket's own code, and how much it had read. */
function translate(err: unknown): Error {
  const e = err as RequestError & { socket?: { bytesRead?: number } };
  if (e instanceof SocketError) {
    // "other side closed": the server hung up; code it as the reset it is.
    return Object.assign(new Error(e.message, { cause: e }), {
      code: 'ECONNRESET',
      bytesRead: e.socket?.bytesRead ?? 0,
    });
  }
  if (e instanceof RequestAbortedError)
    return Object.assign(new Error(e.message, { cause: e }), { code: 'ECONNRESET' });
  return e;
}
