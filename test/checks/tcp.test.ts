/** tcp checks: collect on captured proc roots (ctx.procRoot), the family it emits, and load-time rules. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CollectContext, KindProblem } from '../../src/checks/kind.js';
import { tcpKind, type TcpSpec } from '../../src/checks/tcp.js';
import { loadChecks } from '../../src/config/load-checks.js';
import { formatProblem } from '../../src/errors.js';
import { addCounts, TCP_STATES, type TcpStateCounts } from '../../src/parse/proc-net-tcp.js';
import { workdir } from '../helpers/workdir.js';

const FIXTURES = new URL('../fixtures/proc/', import.meta.url).pathname;

const ctxAt = (procRoot: string, signal = new AbortController().signal): CollectContext => ({
  signal,
  killGraceMs: 2000,
  maxOutputBytes: 1 << 20,
  procRoot,
});

function spec(tcp: Record<string, unknown>): TcpSpec {
  const parsed = z.parse(tcpKind.shape.tcp!, tcp);
  const problems: KindProblem[] = [];
  const s = tcpKind.toSpec({ tcp: parsed }, problems, { dir: '/' });
  expect(problems).toEqual([]);
  return s;
}

/** The pushed value of each state, from a successful collect. */
async function collected(root: string, tcp: Record<string, unknown>): Promise<Record<string, number>> {
  const r = await tcpKind.collect(spec(tcp), ctxAt(join(FIXTURES, root)));
  if (!r.ok) expect.fail(r.reason);
  expect(r.families).toHaveLength(1);
  return Object.fromEntries(r.families[0]!.samples.map((s) => [s.labels.state, s.value]));
}

interface Expected {
  readonly cases: readonly {
    readonly ports: number[] | null;
    readonly tcp?: TcpStateCounts;
    readonly tcp6?: TcpStateCounts;
  }[];
}

const fixtureCases = ['host', 'netns-states', 'netns-empty'].flatMap((root) => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, root, 'expected.json'), 'utf8')) as Expected;
  return expected.cases.map((c) => ({ root, ports: c.ports, tcp: c.tcp!, tcp6: c.tcp6! }));
});

describe('tcp collect on captured proc roots', () => {
  it.each(fixtureCases)(
    '$root ports $ports: ip both sums tcp and tcp6; ip 4 and ip 6 read one file each',
    async ({ root, ports, tcp, tcp6 }) => {
      const filter = ports ? { ports } : {};
      expect(await collected(root, filter)).toEqual(addCounts(tcp, tcp6));
      expect(await collected(root, { ...filter, ip: 4 })).toEqual(tcp);
      expect(await collected(root, { ...filter, ip: 6 })).toEqual(tcp6);
    },
  );

  it('pushes one gauge family with every state, zeros included, in lower case', async () => {
    const r = await tcpKind.collect(spec({}), ctxAt(join(FIXTURES, 'netns-empty')));
    expect(r).toEqual({
      ok: true,
      families: [
        {
          name: 'pushagent_tcp_connections',
          type: 'gauge',
          help: 'TCP sockets by state (listening ones included), from /proc/net/tcp and /proc/net/tcp6.',
          samples: TCP_STATES.map((state) => ({ name: 'pushagent_tcp_connections', labels: { state }, value: 0 })),
        },
      ],
    });
    expect(TCP_STATES).toEqual([
      'established',
      'syn_sent',
      'syn_recv',
      'fin_wait1',
      'fin_wait2',
      'time_wait',
      'close',
      'close_wait',
      'last_ack',
      'listen',
      'closing',
      'new_syn_recv',
    ]);
  });

  it('without net/tcp6 (IPv6 disabled): ip both counts IPv4 only, ip 6 fails saying why', async () => {
    const root = join(FIXTURES, 'ipv4-only');
    const expected = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8')) as Expected;
    expect(await collected('ipv4-only', {})).toEqual(expected.cases[0]!.tcp);
    expect(await collected('ipv4-only', { ports: [8080] })).toEqual(expected.cases[1]!.tcp);
    expect(await tcpKind.collect(spec({ ip: 6 }), ctxAt(root))).toEqual({
      ok: false,
      reason: `cannot read ${root}/net/tcp6: no such file (is IPv6 disabled in the kernel?)`,
    });
  });

  it('fails when net/tcp is missing, whatever ip says', async () => {
    const root = await workdir({ 'net/tcp6': readFileSync(join(FIXTURES, 'netns-empty/net/tcp6'), 'utf8') });
    for (const ip of [4, 'both']) {
      expect(await tcpKind.collect(spec({ ip }), ctxAt(root))).toEqual({
        ok: false,
        reason: `cannot read ${root}/net/tcp: no such file`,
      });
    }
  });

  it('fails on a line it cannot read, naming the file and the line: no partial count', async () => {
    const good = readFileSync(join(FIXTURES, 'netns-states/net/tcp'), 'utf8').split('\n');
    const root = await workdir({
      'net/tcp': [...good.slice(0, 3), '   2: garbage', ...good.slice(3)].join('\n'),
      'net/tcp6': readFileSync(join(FIXTURES, 'netns-states/net/tcp6'), 'utf8'),
    });
    expect(await tcpKind.collect(spec({}), ctxAt(root))).toEqual({
      ok: false,
      reason: `${root}/net/tcp line 4: expected the local address as HEXADDR:HEXPORT, got "garbage"`,
    });
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    expect(await tcpKind.collect(spec({}), ctxAt(join(FIXTURES, 'host'), ac.signal))).toEqual({
      ok: false,
      reason: 'aborted',
    });
  });

  it("describes itself for validate's table", () => {
    expect([spec({}), spec({ ip: 4 }), spec({ ports: [80, 443], ip: 6 })].map(tcpKind.describe)).toEqual([
      'tcp',
      'tcp/ipv4',
      'tcp/ipv6/ports=80,443',
    ]);
  });
});

describe('tcp checks at load', () => {
  const load = async (yaml: string) => {
    const dir = await workdir({ 'checks/t.yaml': yaml });
    const r = await loadChecks(join(dir, 'checks'), {
      defaults: { intervalMs: 15_000, timeoutMs: 10_000, killGraceMs: 2000 },
      reservedLabels: ['job', 'instance', 'check'],
      display: (f) => f.slice(dir.length + 1),
    });
    return { checks: r.checks, problems: r.problems.map(formatProblem) };
  };

  it('`tcp: {}` counts every socket of both families', async () => {
    const { checks, problems } = await load('name: tcp_states\ntcp: {}\ninterval: 15s\n');
    expect(problems).toEqual([]);
    expect(checks).toMatchObject([
      { name: 'tcp_states', kind: 'tcp', spec: { ports: undefined, ip: 'both' }, describe: 'tcp', timeoutMs: 10_000 },
    ]);
  });

  it('reports every wrong key and value at its file:line:col', async () => {
    const { checks, problems } = await load(
      [
        '- name: a',
        '  tcp: {ports: [80, 0, 65536, "443", 8.5], ip: 5}',
        '- name: b',
        '  tcp:',
        '  labels: {x: y}',
        '- name: c',
        '  tcp: {port: 80}',
        '- name: d',
        '  tcp: {ports: [80, 8080, 80], ip: "6"}',
        '- name: e',
        '  tcp: {ports: []}',
        '- name: f',
        '  tcp: {ports: 80}',
        '',
      ].join('\n'),
    );
    expect(checks).toEqual([]);
    expect(problems).toEqual([
      'checks/t.yaml:2:21: check "a": tcp.ports.1: expected a port number from 1 to 65535, got 0 (number)',
      'checks/t.yaml:2:24: check "a": tcp.ports.2: expected a port number from 1 to 65535, got 65536 (number)',
      'checks/t.yaml:2:31: check "a": tcp.ports.3: expected a port number from 1 to 65535, got "443" (string)',
      'checks/t.yaml:2:38: check "a": tcp.ports.4: expected a port number from 1 to 65535, got 8.5 (number)',
      'checks/t.yaml:2:48: check "a": tcp.ip: expected 4, 6 or both, got 5 (number)',
      'checks/t.yaml:4:7: check "b": tcp: expected a mapping such as {} or {ports: [80, 443], ip: 4}, got null',
      'checks/t.yaml:7:9: check "c": unknown key "tcp.port" (did you mean "ports"?)',
      'checks/t.yaml:9:36: check "d": tcp.ip: expected 4, 6 or both, got "6" (string)',
      'checks/t.yaml:11:16: check "e": tcp.ports: expected at least one port (leave `ports` out to count every socket)',
      'checks/t.yaml:13:16: check "f": tcp.ports: expected a list of local port numbers, got 80 (number)',
    ]);
  });

  it('refuses a check with both tcp and command', async () => {
    const { problems } = await load('name: e\ntcp: {}\ncommand: echo 1\n');
    expect(problems).toEqual([
      expect.stringMatching(
        /^checks\/t\.yaml:1:1: check "e": expected exactly one kind of check, set by one of: .*\btcp \(tcp\).*; found exec and tcp$/,
      ),
    ]);
  });

  it('reports a port listed twice', async () => {
    const { problems } = await load('name: d\ntcp: {ports: [80, 8080, 80]}\n');
    expect(problems).toEqual(['checks/t.yaml:2:14: check "d": tcp.ports: port 80 is listed twice']);
  });
});
