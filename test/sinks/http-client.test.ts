/**
 * The sinks' HTTP client (undici) against local servers: one connection per origin, deadlines that
 * start when a request is sent, bounded answers, close.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, MAX_BODY_BYTES, TimedOut } from '../../src/sinks/http-client.js';

/** A server answering each request with `answer` (or holding it when `answer` returns undefined). */
async function server(
  answer: (res: ServerResponse) => void,
): Promise<{ url: string; connections: () => number; srv: Server }> {
  let connections = 0;
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  srv.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`, connections: () => connections, srv };
}

describe('HttpClient', () => {
  const open: Server[] = [];
  afterEach(() => {
    for (const srv of open.splice(0)) {
      srv.closeAllConnections();
      srv.close();
    }
  });
  const client = (connections?: number) => HttpClient.create({ rejectUnauthorized: true, connections });

  it('sends every request to a gateway over one kept-alive connection, concurrent ones included', async () => {
    const s = await server((res) => res.end('ok'));
    open.push(s.srv);
    const http = await client();
    for (let i = 0; i < 3; i += 1)
      expect(await http.request(`${s.url}/a`, 'PUT', {}, 'x 1\n', 2000)).toMatchObject({ status: 200, text: 'ok' });
    const all = await Promise.all(
      Array.from({ length: 4 }, () => http.request(`${s.url}/b`, 'PUT', {}, 'x 1\n', 2000)),
    );
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(s.connections()).toBe(1);
    await http.close();
  });

  it('ends a request at its deadline, with the time in the error', async () => {
    const s = await server(() => {});
    open.push(s.srv);
    const http = await client();
    const started = performance.now();
    await expect(http.request(`${s.url}/slow`, 'PUT', {}, 'x 1\n', 200)).rejects.toBeInstanceOf(TimedOut);
    expect(performance.now() - started).toBeLessThan(1000);
    await http.close();
  });

  it('fails an answer cut short, and close() waits for the requests under way', async () => {
    const cut = await server((res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.destroy(), 50);
    });
    const slow = await server((res) => setTimeout(() => res.end('late'), 150));
    open.push(cut.srv, slow.srv);
    const http = await client();
    await expect(http.request(`${cut.url}/x`, 'GET', {}, undefined, 2000)).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
    const pending = http.request(`${slow.url}/y`, 'GET', {}, undefined, 2000);
    await http.close();
    expect(await pending).toMatchObject({ status: 200, text: 'late', truncated: false });
  });

  it('reads at most a bounded prefix of an endless or huge answer, and keeps its status', async () => {
    // A 500 whose body never ends, and a 200 that announces 2 GB: neither may grow memory.
    const endless = await server((res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(64 * 1024);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const huge = await server((res) => {
      res.writeHead(200, { 'content-length': String(2 * 1024 ** 3) });
      res.write('y'.repeat(200 * 1024));
    });
    open.push(endless.srv, huge.srv);
    const http = await client();
    const before = process.memoryUsage().rss;
    const a = await http.request(`${endless.url}/m`, 'PUT', {}, 'x 1\n', 2000);
    expect(a).toMatchObject({ status: 500, truncated: true });
    expect(a.text.length).toBe(MAX_BODY_BYTES);
    const b = await http.request(`${huge.url}/m`, 'PUT', {}, 'x 1\n', 2000);
    expect(b).toMatchObject({ status: 200, truncated: true });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 ** 2);
    await http.close();
  });

  it('counts the deadline from when a request is sent, not while it waits for the connection', async () => {
    // One connection, an answer every 300 ms, a 1 s deadline: the eighth request waits 2.1 s in the
    // queue and must still succeed.
    const s = await server((res) => setTimeout(() => res.end('ok'), 300));
    open.push(s.srv);
    const http = await client(1);
    const all = await Promise.allSettled(
      Array.from({ length: 8 }, () => http.request(`${s.url}/q`, 'PUT', {}, 'x 1\n', 1000)),
    );
    expect(all.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).toEqual(Array(8).fill(200));
    expect(s.connections()).toBe(1);
    await http.close();
  });
});
