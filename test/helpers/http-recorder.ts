/**
 * A tiny HTTP server on 127.0.0.1 (a free port) that records every request (method, path, headers,
 * body, when it arrived) and either answers with a fixed status and body, for what a real
 * Pushgateway cannot show (bearer tokens, 5xx answers), or forwards it as it came to a real server,
 * so that a test counts and times a real gateway's pushes.
 */
import { createServer, request, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly atMs: number;
}

export interface HttpRecorder {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export type Answer = { readonly status: number; readonly body: string } | { readonly forwardTo: string };

export async function startRecorder(answer: Answer): Promise<HttpRecorder> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: body.toString('utf8'),
        atMs: Date.now(),
      });
      if ('forwardTo' in answer) forward(answer.forwardTo, req.method, req.url ?? '', req.headers, body, res);
      else {
        res.writeHead(answer.status, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(answer.body);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Sends the request on to `target` and its answer back; 502 with the reason when `target` cannot be reached. */
function forward(
  target: string,
  method: string | undefined,
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  res: ServerResponse,
): void {
  const upstream = request(`${target}${url}`, { method, headers: { ...headers, host: new URL(target).host } }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  upstream.on('error', (err) => {
    res.writeHead(502);
    res.end(err.message);
  });
  upstream.end(body);
}
