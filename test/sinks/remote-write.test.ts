/**
 * remote_write: the WriteRequest encoding read back by an independent decoder, and the agent's
 * requests against a capture server for what no real receiver shows (exact headers, label order, a
 * chosen status). The real receivers are in test/e2e/remote-write.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { once } from '../../src/commands/once.js';
import { validate } from '../../src/commands/validate.js';
import { encodeWriteRequest } from '../../src/sinks/remote-write-proto.js';
import { batchSeries, retryAfterMs } from '../../src/sinks/remote-write.js';
import { seriesOf } from '../../src/sinks/remote-write-series.js';
import { runCommand, VERSION } from '../helpers/command.js';
import { Agent, waitUntil } from '../helpers/daemon.js';
import { decodeWriteRequest, seriesName, startCapture, type CapturedWrite } from '../helpers/remote-write.js';
import { workdir } from '../helpers/workdir.js';

const FQDN = execFileSync('hostname', ['-f'], { encoding: 'utf8' }).trim();
const STALE_BITS = '7ff0000000000002';

describe('WriteRequest encoding', () => {
  it('round-trips labels, values and timestamps through an independent decoder; the stale marker keeps its bits', () => {
    const long = 'ü'.repeat(3000); // past the writer's first buffer, and multi-byte
    const ascii = 'x'.repeat(20_000); // a message length of three varint bytes
    const bytes = encodeWriteRequest([
      {
        labels: [
          ['__name__', 'a'],
          ['job', 'j'],
          ['x', long],
        ],
        samples: [
          { value: 1.5, timestampMs: 1_796_000_000_123 },
          { value: -0, timestampMs: 1_796_000_001_000 },
        ],
      },
      {
        labels: [['__name__', 'b']],
        samples: [
          { value: NaN, timestampMs: 5, stale: true },
          { value: NaN, timestampMs: 6 },
          { value: Infinity, timestampMs: 7 },
        ],
      },
      {
        labels: [
          ['__name__', 'c'],
          ['y', ascii],
        ],
        samples: [{ value: 3, timestampMs: 2 ** 53 - 1 }],
      },
    ]);
    const decoded = decodeWriteRequest(bytes);
    expect(decoded.map((s) => s.labels)).toEqual([
      [
        ['__name__', 'a'],
        ['job', 'j'],
        ['x', long],
      ],
      [['__name__', 'b']],
      [
        ['__name__', 'c'],
        ['y', ascii],
      ],
    ]);
    expect(decoded[2]!.samples.map((s) => [s.value, s.timestampMs])).toEqual([[3, 2 ** 53 - 1]]);
    expect(decoded[0]!.samples.map((s) => [s.value, s.timestampMs])).toEqual([
      [1.5, 1_796_000_000_123],
      [-0, 1_796_000_001_000],
    ]);
    expect(decoded[1]!.samples.map((s) => [s.bits, s.timestampMs])).toEqual([
      [STALE_BITS, 5],
      ['7ff8000000000000', 6],
      ['7ff0000000000000', 7],
    ]);
  });

  it('a report becomes series with job, instance, check and the configured labels, sorted by name, without empty values', () => {
    const series = seriesOf({
      identity: { job: 'pushagent', instance: 'web01', labels: { dc: 'fra', zone: '' } },
      check: 'disk',
      families: [
        {
          name: 'disk_free_bytes',
          type: 'gauge',
          help: 'h',
          samples: [{ name: 'disk_free_bytes', labels: { mount: '/', b: '' }, value: 3 }],
        },
      ],
      timeMs: 1,
    });
    expect(series.map((s) => s.labels)).toEqual([
      [
        ['__name__', 'disk_free_bytes'],
        ['check', 'disk'],
        ['dc', 'fra'],
        ['instance', 'web01'],
        ['job', 'pushagent'],
        ['mount', '/'],
      ],
    ]);
  });

  it('a batch holds each series once, its samples in time order', () => {
    const l = [['__name__', 'a']] as const;
    const batch = batchSeries([
      { labels: l, sample: { value: 2, timestampMs: 20 } },
      { labels: [['__name__', 'b']], sample: { value: 9, timestampMs: 5 } },
      { labels: l, sample: { value: 1, timestampMs: 10 } },
    ]);
    expect(batch.map((s) => [s.labels[0]![1], s.samples.map((x) => x.timestampMs)])).toEqual([
      ['a', [10, 20]],
      ['b', [5]],
    ]);
  });

  it('Retry-After: seconds or an HTTP date, at most an hour', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(retryAfterMs('99999')).toBe(3_600_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

/** Every (series, timestamp) of a write, for telling batches apart. */
const points = (w: CapturedWrite): string[] =>
  w.series.flatMap((s) => s.samples.map((x) => `${seriesName(s)}@${x.timestampMs}`));

describe('remote_write against a capture server', () => {
  const open: { close(): Promise<void> }[] = [];
  const agents: Agent[] = [];
  afterEach(async () => {
    for (const a of agents.splice(0)) {
      a.signal('SIGKILL');
      await a.exitCode();
    }
    for (const o of open.splice(0)) await o.close();
  });
  const capture = async (answer: Parameters<typeof startCapture>[0]) => {
    const c = await startCapture(answer);
    open.push(c);
    return c;
  };
  const config = (url: string, extra = '') =>
    `remote_write:\n  - url: ${url}\n    headers: {X-Scope-OrgID: tenant-1}\n${extra}`;

  it('once: one request with the exact headers, every check in it, labels sorted', async () => {
    const rw = await capture(() => ({ status: 204 }));
    const dir = await workdir({
      'pushagent.config.yaml': config(rw.url),
      'checks/a.yaml': 'name: a\ncommand: echo 7\nmetric: {name: a_value}\n',
      'checks/b.yaml': 'name: b\ncommand: "printf \'b_total{path=\\"/x\\",a=\\"1\\"} 3\\\\n\'"\n',
    });
    const r = await runCommand(once, { version: VERSION }, { cwd: dir });
    expect(r.stderr).toMatch(/^ok\s+a .*pushed to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write$/m);
    expect(r.exitCode).toBe(0);
    expect(rw.writes).toHaveLength(1);
    const w = rw.writes[0]!;
    expect(w.headers).toMatchObject({
      'content-encoding': 'snappy',
      'content-type': 'application/x-protobuf',
      'x-prometheus-remote-write-version': '0.1.0',
      'user-agent': `pushagent/${VERSION}`,
      'x-scope-orgid': 'tenant-1',
    });
    for (const s of w.series) expect(s.labels.map(([n]) => n)).toEqual(s.labels.map(([n]) => n).sort());
    const byName = Object.fromEntries(w.series.map((s) => [seriesName(s), s.samples.map((x) => x.value)]));
    expect(byName).toMatchObject({
      [`__name__=a_value,check=a,instance=${FQDN},job=pushagent`]: [7],
      [`__name__=b_total,a=1,check=b,instance=${FQDN},job=pushagent,path=/x`]: [3],
      [`__name__=pushagent_check_success,check=b,instance=${FQDN},job=pushagent`]: [1],
    });
  });

  it("once: a refusal is exit 2 with the URL, the status and the receiver's reason", async () => {
    const rw = await capture(() => ({ status: 400, body: 'out of bounds\n' }));
    const dir = await workdir({
      'pushagent.config.yaml': config(rw.url),
      'checks/a.yaml': 'name: a\ncommand: echo 7\nmetric: {name: a_value}\n',
    });
    const r = await runCommand(once, { version: VERSION }, { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`push failed: write to ${rw.url} failed: HTTP 400: out of bounds`);
  });

  it('--dry-run shows the series a receiver would get, readable, and sends nothing', async () => {
    const rw = await capture(() => ({ status: 204 }));
    const dir = await workdir({
      'pushagent.config.yaml': config(rw.url),
      'checks/a.yaml': 'name: a\ncommand: echo 7\nmetric: {name: a_value}\n',
    });
    const r = await runCommand(once, { dryRun: true, version: VERSION }, { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^# remote_write ${rw.url}: check "a", 5 series at \\d+ ms$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^a_value\\{check="a",instance="${FQDN}",job="pushagent"\\} 7 \\d{13}$`, 'm'));
    expect(rw.writes).toHaveLength(0);
  });

  it('run: a 400 drops that batch for good (logged once); later runs still arrive', async () => {
    const rw = await capture((n) => (n === 0 ? { status: 400, body: 'bad batch' } : { status: 204 }));
    const dir = await workdir({
      'pushagent.config.yaml': config(rw.url),
      'checks/a.yaml': 'name: a\ncommand: echo 7\nmetric: {name: a_value}\ninterval: 500ms\n',
    });
    const agent = Agent.start([], { cwd: dir });
    agents.push(agent);
    await waitUntil(() => rw.writes.length >= 4, 10_000);
    const first = new Set(points(rw.writes[0]!));
    for (const w of rw.writes.slice(1)) expect(points(w).filter((p) => first.has(p))).toEqual([]);
    const refused = agent.lines.filter((l) => l.msg.includes('refused by the receiver'));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 'error', error: `write to ${rw.url} failed: HTTP 400: bad batch` });
  });

  it('run: a 500 and a 429 are retried with the same batch, the 429 after its Retry-After', async () => {
    const at: number[] = [];
    const rw = await capture((n) => {
      at.push(Date.now());
      return n === 0 ? { status: 500 } : n === 1 ? { status: 429, retryAfter: '1' } : { status: 204 };
    });
    const dir = await workdir({
      'pushagent.config.yaml': config(rw.url),
      'checks/a.yaml': 'name: a\ncommand: echo 7\nmetric: {name: a_value}\ninterval: 1s\n',
    });
    const agent = Agent.start([], { cwd: dir });
    agents.push(agent);
    await waitUntil(() => rw.writes.length >= 3, 10_000);
    expect(points(rw.writes[1]!)).toEqual(points(rw.writes[0]!));
    expect(points(rw.writes[2]!)).toEqual(points(rw.writes[0]!));
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(950);
    expect(rw.writes.slice(0, 3).map((w) => w.status)).toEqual([500, 429, 204]);
  });

  it("run: a series that disappears gets the stale marker at the next run's time; a stop ends every series", async () => {
    const rw = await capture(() => ({ status: 204 }));
    const dir = await workdir({
      'pushagent.config.yaml': config(rw.url),
      'checks/a.yaml':
        "name: a\ncommand: \"test -f flag && echo 'gone_value 1'; echo 'kept_value 2'\"\ninterval: 500ms\n",
      'checks/flag': '',
    });
    const agent = Agent.start([], { cwd: dir });
    agents.push(agent);
    const all = () => rw.writes.flatMap((w) => w.series);
    const gone = (s: { labels: [string, string][] }) =>
      s.labels.some(([n, v]) => n === '__name__' && v === 'gone_value');
    await waitUntil(() => all().some(gone), 10_000);
    await rm(path.join(dir, 'checks', 'flag'));
    const stale = await waitUntil(
      () =>
        all()
          .filter(gone)
          .flatMap((s) => s.samples)
          .find((x) => x.bits === STALE_BITS),
      10_000,
    );
    expect(stale).toBeDefined();
    // The marker's time is a run's start: the kept series has a sample at exactly that time.
    const kept = all().filter((s) => s.labels.some(([n, v]) => n === '__name__' && v === 'kept_value'));
    expect(kept.flatMap((s) => s.samples.map((x) => x.timestampMs))).toContain(stale!.timestampMs);
    // The series stays ended: no value after the marker.
    await new Promise((r) => setTimeout(r, 1200));
    expect(
      all()
        .filter(gone)
        .flatMap((s) => s.samples)
        .filter((x) => x.timestampMs > stale!.timestampMs),
    ).toEqual([]);

    agent.signal('SIGTERM');
    expect(await agent.exitCode()).toBe(0);
    const last = rw.writes.at(-1)!;
    const ended = last.series.filter((s) => s.samples.at(-1)?.bits === STALE_BITS).map(seriesName);
    // Each marker comes after the series' last value, never at its time: a receiver refuses a second
    // value for one timestamp (the agent's last report and the stop's markers may share a millisecond).
    for (const s of last.series.filter((x) => x.samples.at(-1)?.bits === STALE_BITS)) {
      const marker = s.samples.at(-1)!.timestampMs;
      const before = rw.writes
        .flatMap((w) => w.series)
        .filter((x) => seriesName(x) === seriesName(s))
        .flatMap((x) => x.samples)
        .filter((x) => x.bits !== STALE_BITS);
      expect(before.filter((x) => x.timestampMs >= marker)).toEqual([]);
    }
    expect(ended).toEqual(
      expect.arrayContaining([
        `__name__=kept_value,check=a,instance=${FQDN},job=pushagent`,
        `__name__=pushagent_check_success,check=a,instance=${FQDN},job=pushagent`,
        `__name__=pushagent_build_info,instance=${FQDN},job=pushagent,version=${VERSION}`,
      ]),
    );
  });

  it('refuses headers pushagent sets itself, and credentials both in the URL and in auth', async () => {
    const dir = await workdir({
      'pushagent.config.yaml':
        'remote_write:\n  - url: http://u:p@127.0.0.1:1/api/v1/write\n    auth: {username: a, password: b}\n    headers: {Content-Type: text/plain}\n',
      'checks/.keep': '',
    });
    await writeFile(path.join(dir, 'checks', 'a.yaml'), 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n');
    const r = await runCommand(validate, {}, { cwd: dir });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(
      'pushagent.config.yaml:2:10: remote_write.0.url: credentials in the URL and an auth section: use one',
    );
    expect(r.stderr).toContain(
      'pushagent.config.yaml:4:29: remote_write.0.headers.Content-Type: header "Content-Type" is set by pushagent itself',
    );
    expect(r.stderr).not.toContain('u:p@');
  });
});
