/**
 * HTTP for the Pushgateway sink: one keep-alive connection per gateway (node:http agents with
 * maxSockets 1), a deadline per request covering connect, send and the whole answer, and on https
 * requests sent only once the TLS handshake is done.
 *
 * node:http, not undici: loading undici and compiling its WebAssembly HTTP parser cost `once` about
 * 60 ms of its start (bench/, "One-shot start"), for about 0.02 ms less CPU per request.
 */
import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import type { AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';

export interface HttpClientOptions {
  /** Whether any URL is https: node:https is loaded only then. */
  readonly https: boolean;
  readonly ca?: string | undefined;
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  readonly rejectUnauthorized: boolean;
}

/** What the deadline ends a request with. */
export class TimedOut extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'TimedOut';
  }
}

/** A request's failure, with how much its connection had read (nothing: refused at the handshake). */
export type RequestError = NodeJS.ErrnoException & { bytesRead?: number };

interface Transport {
  readonly request: typeof import('node:http').request;
  readonly agent: Agent;
}

export class HttpClient {
  readonly #http: Transport;
  readonly #https: Transport | undefined;
  /** Requests under way: close() lets them finish. */
  readonly #inflight = new Set<Promise<unknown>>();

  private constructor(http: Transport, https: Transport | undefined) {
    this.#http = http;
    this.#https = https;
  }

  static async create(o: HttpClientOptions): Promise<HttpClient> {
    const keepAlive = { keepAlive: true, maxSockets: 1 };
    const http = await import('node:http');
    const https = o.https ? await import('node:https') : undefined;
    const tls = { ca: o.ca, cert: o.cert, key: o.key, rejectUnauthorized: o.rejectUnauthorized };
    return new HttpClient(
      { request: http.request, agent: new http.Agent(keepAlive) },
      https && { request: https.request, agent: handshakeFirst(https, { ...keepAlive, ...tls }) },
    );
  }

  /** Status and whole body; rejects with TimedOut at the deadline, or a RequestError. */
  async request(url: string, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<{ status: number; text: string }> {
    const transport = url.startsWith('https:') ? this.#https : this.#http;
    if (!transport) throw new Error(`no https transport for ${url}`);
    const pending = exchange(transport, url, method, headers, body, timeoutMs);
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
    this.#http.agent.destroy();
    this.#https?.agent.destroy();
  }
}

function exchange(t: Transport, url: string, method: string, headers: Record<string, string>, body: string | undefined, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined;
    let done = false;
    const settle = (err: unknown, answer?: { status: number; text: string }): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (answer) return resolve(answer);
      if (!(err instanceof TimedOut) && typeof err === 'object' && err !== null) Object.assign(err, { bytesRead: req?.socket?.bytesRead });
      reject(err);
      req?.destroy();
    };
    const timer = setTimeout(() => settle(new TimedOut(timeoutMs)), timeoutMs);
    try {
      req = t.request(url, { method, headers, agent: t.agent });
    } catch (err) {
      settle(err);
      return;
    }
    req.on('error', (err) => settle(err));
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('error', (err) => settle(err));
      res.on('end', () => settle(undefined, { status: res.statusCode ?? 0, text }));
      res.on('close', () => {
        if (!res.complete) settle(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }));
      });
    });
    req.end(body);
  });
}

/**
 * An https agent whose connections are handed to requests only once the TLS handshake is done. A
 * gateway refusing the handshake (no client certificate) then fails it with its alert
 * (ERR_SSL_SSLV3_ALERT_...), as tls.connect reports it; with the request already written to the
 * socket, Node reports the same refusal as a bare `write EPROTO`.
 */
function handshakeFirst(https: typeof import('node:https'), options: AgentOptions): Agent {
  const agent = new https.Agent(options);
  const connect = agent.createConnection.bind(agent) as (o: object) => TLSSocket;
  agent.createConnection = ((o: object, done: (err: Error | null, socket?: Duplex) => void) => {
    const socket = connect(o);
    const failed = (err: Error): void => {
      socket.destroy();
      done(err);
    };
    socket.once('error', failed);
    socket.once('secureConnect', () => {
      socket.off('error', failed);
      done(null, socket);
    });
    return undefined;
  }) as unknown as typeof agent.createConnection;
  return agent;
}
