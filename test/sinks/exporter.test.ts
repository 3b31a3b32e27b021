/**
 * Exporter mode in-process: the pure parts (families merged by name, Accept-Encoding, listen
 * addresses), then the sink's server over real sockets: /metrics as one valid exposition (checked by
 * promtool), gzip, /-/healthy and 404, TLS and basic auth from an exporter-toolkit web config, and
 * the takeover of the socket and results by the sink that replaces it on reload. Real Prometheus
 * scrapes it in test/e2e/exporter.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExporterConfig } from '../../src/config/load.js';
import { loadWebConfig } from '../../src/config/web-config.js';
import { createLogger } from '../../src/log.js';
import { AgentStats } from '../../src/metrics/agent-stats.js';
import { healthFamilies } from '../../src/metrics/health.js';
import type { MetricFamily } from '../../src/metrics/types.js';
import { sansOf } from '../../src/sinks/exporter-gate.js';
import { exporterSinks, listenAddress } from '../../src/sinks/exporter.js';
import { acceptsGzip, mergeFamilies } from '../../src/sinks/exposed.js';
import type { Identity, Report, Sink, SinkContext } from '../../src/sinks/sink.js';
import { freePort } from '../helpers/pushgateway.js';
import { bcryptHash, hasWebConfigTools, makePki } from '../helpers/web-config.js';
import { workdir } from '../helpers/workdir.js';

const ID: Identity = { job: 'pushagent', instance: 'web01', labels: { dc: 'fra' } };
const gauge = (
  name: string,
  value: number,
  labels: Record<string, string> = {},
  type: MetricFamily['type'] = 'gauge',
): MetricFamily => ({ name, type, help: `${name} help`, samples: [{ name, labels, value }] });
const health = (success: boolean) =>
  healthFamilies({ success, durationSeconds: 0.25, exitCode: success ? 0 : 1, timedOut: false }, {});
const report = (check: string | undefined, families: MetricFamily[]): Report => ({
  identity: ID,
  check,
  families,
  timeMs: 1,
});
const ctx = (mode: 'run' | 'once' = 'run'): SinkContext => ({
  mode,
  dryRun: false,
  stdout: () => {},
  log: createLogger({ level: 'error', json: false, write: () => {} }),
  stats: new AgentStats('0'),
  version: '0',
});
const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;

describe('pure parts', () => {
  it('families merge by name across checks, HELP and TYPE of the first; another type under a taken name is left out', () => {
    const { families, conflicts } = mergeFamilies([
      { check: 'a', families: [gauge('x', 1, { check: 'a' }), gauge('y', 1, { check: 'a' })] },
      { check: 'b', families: [gauge('x', 2, { check: 'b' }), gauge('y', 2, { check: 'b' }, 'counter')] },
    ]);
    expect(families.map((f) => [f.name, f.samples.map((s) => s.value)])).toEqual([
      ['x', [1, 2]],
      ['y', [1]],
    ]);
    expect(conflicts).toEqual([{ family: 'y', check: 'b', type: 'counter', kept: 'gauge' }]);
  });

  it.each([
    ['gzip', true],
    ['deflate, gzip;q=0.5', true],
    ['GZIP', true],
    ['*', true],
    ['gzip;q=0', false],
    ['identity', false],
    [undefined, false],
    ['', false],
  ])('Accept-Encoding %j → gzip %s', (header, expected) => expect(acceptsGzip(header)).toBe(expected));

  it('listen addresses: :PORT is every address, a host alone gets port 9089, IPv6 in brackets', () => {
    expect([':9100', '127.0.0.1:80', 'localhost', '[::1]:7'].map(listenAddress)).toEqual([
      { host: undefined, port: 9100 },
      { host: '127.0.0.1', port: 80 },
      { host: 'localhost', port: 9089 },
      { host: '::1', port: 7 },
    ]);
  });

  it('client certificate SANs as exporter-toolkit compares them', () => {
    expect(sansOf('DNS:a.example, IP Address:127.0.0.1, email:x@y, URI:spiffe://t/w')).toEqual([
      'a.example',
      '127.0.0.1',
      'x@y',
      'spiffe://t/w',
    ]);
  });
});

describe('ExporterSink', () => {
  const open: Sink[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close(1000)));
  });
  async function start(
    config: Partial<ExporterConfig> = {},
    previous: Sink[] = [],
  ): Promise<{ sink: Sink; base: string }> {
    const listen = config.listen ?? `127.0.0.1:${await freePort()}`;
    const [sink] = await exporterSinks({ listen, web: undefined, ...config }, ctx(), previous);
    open.push(sink!);
    return { sink: sink!, base: sink!.target.replace(/\/metrics$/, '') };
  }

  it("makes no sink in once; in run, serves the latest result of every check and the agent's metrics as one exposition", async () => {
    expect(await exporterSinks({ listen: '127.0.0.1:1', web: undefined }, ctx('once'))).toEqual([]);
    const { sink, base } = await start();
    expect(sink.target).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(await (await fetch(`${base}/metrics`)).text()).toBe('');
    await sink.write(report('disk', [gauge('disk_free_bytes', 3, { mount: '/' }), ...health(true)]));
    await sink.write(report('broken', health(false)));
    await sink.write(report(undefined, [gauge('pushagent_check_lateness_seconds', 0.01, { check: 'disk' })]));
    await sink.write(report('disk', [gauge('disk_free_bytes', 4, { mount: '/' }), ...health(true)]));
    const res = await fetch(`${base}/metrics`, { headers: { 'accept-encoding': 'identity' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain(
      '# TYPE pushagent_check_success gauge\npushagent_check_success{check="broken",dc="fra"} 0\npushagent_check_success{check="disk",dc="fra"} 1\n',
    );
    expect(text).toContain('disk_free_bytes{check="disk",dc="fra",mount="/"} 4\n');
    expect(text).toContain('pushagent_check_lateness_seconds{check="disk",dc="fra"} 0.01\n');
    expect(text.match(/^# TYPE pushagent_check_success /gm)).toHaveLength(1);
    expect(text).not.toMatch(/\b(job|instance)=/);
    if (hasPromtool)
      expect(spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' }).status).toBe(0);
    await sink.remove(ID, 'broken');
    expect(await (await fetch(`${base}/metrics`)).text()).not.toContain('broken');
  });

  it('gzip when accepted; /-/healthy 200; anything else 404', async () => {
    const { sink, base } = await start();
    await sink.write(report('disk', health(true)));
    const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      httpRequest(`${base}/metrics`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res
          .on('data', (c: Buffer) => chunks.push(c))
          .on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
        .on('error', reject)
        .end();
    });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toContain('pushagent_check_success{check="disk",dc="fra"} 1\n');
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200);
    for (const [method, p] of [
      ['GET', '/'],
      ['GET', '/metricsx'],
      ['POST', '/metrics'],
      ['GET', '/-/ready'],
    ] as const) {
      expect([method, p, (await fetch(`${base}${p}`, { method })).status]).toEqual([method, p, 404]);
    }
  });

  it('a sink replacing another on the same address takes over its socket and results; closing the old one leaves them', async () => {
    const first = await start();
    await first.sink.write(report('disk', health(true)));
    const listen = new URL(first.base).host;
    const second = await start({ listen }, [first.sink]);
    expect(await first.sink.close(1000)).toBe(true);
    expect(await (await fetch(`${second.base}/metrics`)).text()).toContain(
      'pushagent_check_success{check="disk",dc="fra"} 1\n',
    );
    // Another address: a new socket, the old one closed, the results moved.
    const third = await start({}, [second.sink]);
    expect(await (await fetch(`${third.base}/metrics`)).text()).toContain('check="disk"');
    await expect(fetch(`${second.base}/metrics`)).rejects.toThrow();
  });

  it('a taken address is an error naming it', async () => {
    const { base } = await start();
    const listen = new URL(base).host;
    await expect(exporterSinks({ listen, web: undefined }, ctx())).rejects.toThrow(
      `exporter: cannot listen on ${listen}: address already in use`,
    );
  });
});

describe.skipIf(!hasWebConfigTools)('ExporterSink with a web config', () => {
  const open: Sink[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close(1000)));
  });

  async function serve(yaml: (pki: Awaited<ReturnType<typeof makePki>>) => string) {
    const pki = await makePki();
    const dir = await workdir({});
    const file = path.join(dir, 'web.yml');
    await writeFile(file, yaml(pki));
    const { web, problems } = await loadWebConfig(file, (f) => f);
    expect(problems).toEqual([]);
    const [sink] = await exporterSinks({ listen: `127.0.0.1:${await freePort()}`, web }, ctx());
    open.push(sink!);
    await sink!.write(report('disk', health(true)));
    const agent = (cert?: boolean) =>
      new Agent({ connect: { ca: pki.caPem, ...(cert ? { cert: pki.clientCertPem, key: pki.clientKeyPem } : {}) } });
    return { sink: sink!, pki, agent };
  }
  const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('HTTPS with basic auth: the right password 200, a wrong one or none 401, plain HTTP refused', async () => {
    const hash = bcryptHash('s3cret');
    const { sink, agent } = await serve(
      (pki) =>
        `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\nbasic_auth_users:\n  prom: ${JSON.stringify(hash)}\nhttp_server_config:\n  headers: {X-Frame-Options: deny}\n`,
    );
    expect(sink.target).toMatch(/^https:/);
    const dispatcher = agent();
    const ok = await undiciFetch(sink.target, { dispatcher, headers: { authorization: basic('prom', 's3cret') } });
    expect([ok.status, ok.headers.get('x-frame-options')]).toEqual([200, 'deny']);
    expect(await ok.text()).toContain('pushagent_check_success{check="disk",dc="fra"} 1');
    for (const authorization of [basic('prom', 'wrong'), basic('nobody', 's3cret'), undefined]) {
      const res = await undiciFetch(sink.target, { dispatcher, headers: authorization ? { authorization } : {} });
      expect([authorization, res.status, res.headers.get('www-authenticate')]).toEqual([authorization, 401, 'Basic']);
    }
    await expect(fetch(sink.target.replace('https:', 'http:'))).rejects.toThrow();
  });

  it('RequireAndVerifyClientCert: without a client certificate the connection is refused; with one signed by the CA, 200', async () => {
    const { sink, agent } = await serve(
      (pki) =>
        `tls_server_config:\n  cert_file: ${pki.serverCert}\n  key_file: ${pki.serverKey}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${pki.caCert}\n`,
    );
    await expect(undiciFetch(sink.target, { dispatcher: agent(false) })).rejects.toThrow();
    expect((await undiciFetch(sink.target, { dispatcher: agent(true) })).status).toBe(200);
  });

  it('hashes as htpasswd writes them ($2y$) verify too', async () => {
    const y = bcryptHash('pw').replace(/^\$2b\$/, '$2y$');
    const { sink, agent } = await serve(
      (pki) =>
        `tls_server_config: {cert_file: ${pki.serverCert}, key_file: ${pki.serverKey}}\nbasic_auth_users: {u: ${JSON.stringify(y)}}\n`,
    );
    expect(
      (await undiciFetch(sink.target, { dispatcher: agent(), headers: { authorization: basic('u', 'pw') } })).status,
    ).toBe(200);
  });
});
