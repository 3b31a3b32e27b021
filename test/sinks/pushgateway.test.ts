/**
 * The Pushgateway sink against recording HTTP servers: what it sends (credentials from the URL as
 * basic auth) and what its errors say was attempted (push, delete, list groups).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { PushgatewayConfig } from '../../src/config/agent-schema.js';
import { createLogger } from '../../src/log.js';
import { AgentStats } from '../../src/metrics/agent-stats.js';
import { groupingKey } from '../../src/sinks/grouping-key.js';
import { pushgatewaySinks, type PushgatewaySink } from '../../src/sinks/pushgateway.js';
import type { Report } from '../../src/sinks/sink.js';
import { startRecorder, type HttpRecorder } from '../helpers/http-recorder.js';

const gateway = (url: string[], extra: Partial<PushgatewayConfig> = {}): PushgatewayConfig => ({
  url,
  job: 'pushagent',
  timeout: 2000,
  method: 'put',
  max_backoff: 10_000,
  ...extra,
});

const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const KEY = groupingKey('pushagent', 'web01', 'disk', {});
const BODY = '# HELP disk_value Disk.\n# TYPE disk_value gauge\ndisk_value 1\n';
const REPORT: Report = {
  identity: { job: 'pushagent', instance: 'web01', labels: {} },
  check: 'disk',
  families: [
    { name: 'disk_value', type: 'gauge', help: 'Disk.', samples: [{ name: 'disk_value', labels: {}, value: 1 }] },
  ],
  timeMs: 0,
};
const ctx = {
  mode: 'once',
  dryRun: false,
  stdout: () => {},
  log: createLogger({ level: 'error', json: false, write: () => {} }),
  stats: new AgentStats('0.0.0'),
  version: '0.0.0',
} as const;

describe('PushgatewaySink', () => {
  const open: { close(): Promise<void> }[] = [];
  const recorder = async (status = 200, body = ''): Promise<HttpRecorder> => {
    const rec = await startRecorder({ status, body });
    open.push(rec);
    return rec;
  };
  /** One sink per URL of the config. */
  const sinks = async (config: PushgatewayConfig): Promise<PushgatewaySink[]> => {
    const s = (await pushgatewaySinks(config, ctx)) as PushgatewaySink[];
    open.push(...s.map((x) => ({ close: () => x.close(1000).then(() => {}) })));
    return s;
  };
  const sink = async (config: PushgatewayConfig): Promise<PushgatewaySink> => (await sinks(config))[0]!;
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close();
  });

  it("credentials in a URL are that URL's basic auth, percent-decoded; the other URL sends none", async () => {
    const [withCreds, plain] = [await recorder(), await recorder()];
    // An encoded @ in the user, an encoded colon and an UNENCODED @ in the password (URL parsing
    // ends the userinfo at the last @), and UTF-8.
    const url = withCreds.url.replace('http://', 'http://pgw%40ops:p%3Ass@w0rd%20%E2%9C%93@');
    const s = await sinks(gateway([url, `${plain.url}/`]));
    const outcomes = await Promise.all(s.map((x) => x.write(REPORT)));
    expect(outcomes).toEqual([
      { target: withCreds.url.replace('http://', 'http://***:***@'), ok: true },
      { target: `${plain.url}/`, ok: true },
    ]);
    expect(withCreds.requests).toHaveLength(1);
    expect(withCreds.requests[0]).toMatchObject({
      method: 'PUT',
      url: '/metrics/job/pushagent/instance/web01/check/disk',
      body: BODY,
    });
    expect(withCreds.requests[0]?.headers.authorization).toBe(basic('pgw@ops', 'p:ss@w0rd ✓'));
    expect(withCreds.requests[0]?.headers.host).toBe(withCreds.url.replace('http://', ''));
    expect(plain.requests).toHaveLength(1);
    expect(plain.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('a user without a password in the URL is basic auth with an empty password', async () => {
    const rec = await recorder();
    const s = await sink(gateway([rec.url.replace('http://', 'http://alice@')]));
    expect(await s.write(REPORT)).toEqual({ target: rec.url.replace('http://', 'http://***@'), ok: true });
    expect(rec.requests[0]?.headers.authorization).toBe(basic('alice', ''));
  });

  it('without credentials in the URL the auth section applies', async () => {
    const rec = await recorder();
    const s = await sink(gateway([rec.url], { auth: { username: 'bob', password: 'pw' } }));
    await s.write(REPORT);
    expect(rec.requests[0]?.headers.authorization).toBe(basic('bob', 'pw'));
    expect(rec.requests[0]?.headers['user-agent']).toBe('pushagent/0.0.0');
  });

  it('a refused push says "push to", a refused delete "delete of", with the URL redacted', async () => {
    const rec = await recorder(500, 'internal trouble\n');
    const base = rec.url.replace('http://', 'http://u:s3cret@');
    const shown = `${rec.url.replace('http://', 'http://***:***@')}/metrics/job/pushagent/instance/web01/check/disk`;
    const s = await sink(gateway([base]));
    // The outcome carries the typed error: its fields, and the message printed from them.
    const pushed = await s.send(KEY, { method: 'PUT', body: BODY });
    expect(pushed).toMatchObject({
      ok: false,
      retryable: true,
      error: { action: 'push', url: shown, status: 500, reason: 'internal trouble' },
    });
    expect(!pushed.ok && pushed.error.message).toBe(`push to ${shown} failed: HTTP 500: internal trouble`);
    const deleted = await s.send(KEY, { method: 'DELETE' });
    expect(deleted).toMatchObject({ ok: false, retryable: true, error: { action: 'delete', status: 500 } });
    expect(!deleted.ok && deleted.error.message).toBe(`delete of ${shown} failed: HTTP 500: internal trouble`);
    expect(rec.requests.map((q) => [q.method, q.headers.authorization])).toEqual([
      ['PUT', basic('u', 's3cret')],
      ['DELETE', basic('u', 's3cret')],
    ]);
  });

  it('an unreachable gateway: "delete of URL failed" for a delete', async () => {
    const s = await sink(gateway(['http://127.0.0.1:1']));
    const outcome = await s.send(KEY, { method: 'DELETE' });
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(!outcome.ok && outcome.error.message).toMatch(
      /^delete of http:\/\/127\.0\.0\.1:1\/metrics\/job\/pushagent\/instance\/web01\/check\/disk failed: ECONNREFUSED/,
    );
  });

  it('listing the groups: "list groups at URL failed", for a refusal and for an answer that is not JSON', async () => {
    const refusing = await recorder(401, 'Unauthorized\n');
    const s = await sink(gateway([refusing.url]));
    await expect(s.listGroups()).rejects.toThrow(
      `list groups at ${refusing.url}/api/v1/metrics failed: HTTP 401: Unauthorized`,
    );
    expect(refusing.requests[0]).toMatchObject({ method: 'GET', url: '/api/v1/metrics' });
    const garbled = await recorder(200, '<html>');
    const s2 = await sink(gateway([garbled.url]));
    await expect(s2.listGroups()).rejects.toMatchObject({
      action: 'list groups',
      message: `list groups at ${garbled.url}/api/v1/metrics failed: HTTP 200: the answer is not the JSON of /api/v1/metrics`,
    });
  });
});
