import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addCounts,
  parseProcNetTcp,
  TCP_STATES,
  zeroCounts,
  type TcpStateCounts,
} from '../../src/parse/proc-net-tcp.js';
import { countSs } from '../helpers/ss.js';

/**
 * One proc root per folder of fixtures/proc (see its README.md): `net/tcp` and `net/tcp6` captured
 * verbatim, `expected.json` the counts of each file for all sockets and for local port filters,
 * and `ss.txt` what `ss -Htan` printed at the same moment.
 */
const FIXTURES = new URL('../fixtures/proc/', import.meta.url).pathname;
const roots = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

interface Expected {
  readonly cases: readonly {
    readonly ports: number[] | null;
    readonly tcp?: TcpStateCounts;
    readonly tcp6?: TcpStateCounts;
  }[];
}

const expectedOf = (root: string): Expected =>
  JSON.parse(readFileSync(join(FIXTURES, root, 'expected.json'), 'utf8')) as Expected;

const cases = roots.flatMap((root) =>
  expectedOf(root).cases.flatMap((c) =>
    (['tcp', 'tcp6'] as const)
      .filter((file) => c[file])
      .map((file) => ({
        name: `${root}/net/${file}${c.ports ? ` ports ${c.ports.join(',')}` : ''}`,
        text: readFileSync(join(FIXTURES, root, 'net', file), 'utf8'),
        ports: c.ports ? new Set(c.ports) : undefined,
        expected: c[file],
      })),
  ),
);

describe('parseProcNetTcp fixtures', () => {
  it('has captures of a host and of namespaces, with sockets in most states', () => {
    expect(roots).toEqual(expect.arrayContaining(['host', 'netns-states', 'netns-empty', 'ipv4-only']));
    const seen = addCounts(...cases.filter((c) => !c.ports).map((c) => c.expected!));
    expect(TCP_STATES.filter((s) => seen[s] > 0)).toEqual([
      'established',
      'syn_sent',
      'syn_recv',
      'fin_wait1',
      'fin_wait2',
      'time_wait',
      'close_wait',
      'last_ack',
      'listen',
    ]);
  });

  it.each(cases)('$name', ({ text, ports, expected }) => {
    expect(parseProcNetTcp(text, { ports })).toEqual({ ok: true, value: expected });
  });

  it.each(roots)('%s: tcp + tcp6 agree with ss -tan captured at the same moment', (root) => {
    const all = expectedOf(root).cases.find((c) => c.ports === null)!;
    const parsed = (['tcp', 'tcp6'] as const)
      .filter((file) => existsSync(join(FIXTURES, root, 'net', file)))
      .map((file) => parseProcNetTcp(readFileSync(join(FIXTURES, root, 'net', file), 'utf8')))
      .map((r) => (r.ok ? r.value : expect.fail(`line ${r.line}: ${r.message}`)));
    expect(addCounts(...parsed)).toEqual(addCounts(...[all.tcp, all.tcp6].filter((c) => c !== undefined)));
    expect(addCounts(...parsed)).toEqual(countSs(readFileSync(join(FIXTURES, root, 'ss.txt'), 'utf8')));
  });
});

describe('parseProcNetTcp rules', () => {
  const header = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  const header6 =
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  const line = (local: string, st: string) =>
    `   0: ${local} 0100007F:0050 ${st} 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0   `;

  it('reads the state and the local port in hex, upper or lower case, and ignores padding', () => {
    const text = [
      header,
      line('0100007F:1F90', '0A'),
      line('0100007f:1f90', '01'),
      line('0100007F:0050', '06'),
      '',
    ].join('\n');
    expect(parseProcNetTcp(text)).toEqual({
      ok: true,
      value: { ...zeroCounts(), listen: 1, established: 1, time_wait: 1 },
    });
    expect(parseProcNetTcp(text, { ports: new Set([8080]) })).toEqual({
      ok: true,
      value: { ...zeroCounts(), listen: 1, established: 1 },
    });
    expect(parseProcNetTcp(text, { ports: new Set([443]) })).toEqual({ ok: true, value: zeroCounts() });
  });

  it('maps every kernel state number 01..0C to its name', () => {
    const text = [
      header,
      ...TCP_STATES.map((_, i) => line('00000000:0016', (i + 1).toString(16).toUpperCase().padStart(2, '0'))),
    ].join('\n');
    expect(parseProcNetTcp(text)).toEqual({ ok: true, value: Object.fromEntries(TCP_STATES.map((s) => [s, 1])) });
  });

  it('accepts the tcp6 header and 32-digit addresses', () => {
    const text = `${header6}\n   0: 00000000000000000000000001000000:1B5A 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1\n`;
    expect(parseProcNetTcp(text)).toEqual({ ok: true, value: { ...zeroCounts(), listen: 1 } });
  });

  it.each([
    [
      'empty input',
      '',
      'line 1: expected the header line "sl local_address rem_address st ..." of /proc/net/tcp or tcp6, got empty input',
    ],
    [
      'another file',
      'Inter-|   Receive\n',
      'line 1: expected the header line "sl local_address rem_address st ..." of /proc/net/tcp or tcp6, got "Inter-|   Receive"',
    ],
    [
      'a blank line',
      `${header}\n\n${line('0100007F:0050', '01')}\n`,
      'line 2: expected a socket line starting with its slot number and ":", got ""',
    ],
    [
      'a cut line',
      `${header}\n   0: 0100007F:0050\n`,
      'line 2: expected the remote address as HEXADDR:HEXPORT, got ""',
    ],
    [
      'a bad local address',
      `${header}\n${line('127.0.0.1:80', '01')}\n`,
      'line 2: expected the local address as HEXADDR:HEXPORT, got "127.0.0.1:80"',
    ],
    [
      'a 5-digit port',
      `${header}\n${line('0100007F:10050', '01')}\n`,
      'line 2: expected the local address as HEXADDR:HEXPORT, got "0100007F:10050"',
    ],
    [
      'a state name',
      `${header}\n${line('0100007F:0050', 'ESTABLISHED')}\n`,
      'line 2: expected the state as two hex digits, got "ESTABLISHED"',
    ],
    [
      'state 00',
      `${header}\n${line('0100007F:0050', '01')}\n${line('0100007F:0050', '00')}\n`,
      'line 3: unknown TCP state 0x00: expected 01 to 0C',
    ],
    ['state 0D', `${header}\n${line('0100007F:0050', '0d')}\n`, 'line 2: unknown TCP state 0x0D: expected 01 to 0C'],
  ])('reports %s with its line number, without throwing', (_name, text, expected) => {
    const r = parseProcNetTcp(text);
    expect(r.ok ? 'parsed' : `line ${r.line}: ${r.message}`).toBe(expected);
  });

  it('addCounts sums state by state and leaves its inputs alone', () => {
    const a = Object.freeze({ ...zeroCounts(), listen: 1 });
    const b = Object.freeze({ ...zeroCounts(), listen: 2, time_wait: 3 });
    expect(addCounts(a, b)).toEqual({ ...zeroCounts(), listen: 3, time_wait: 3 });
    expect(addCounts()).toEqual(zeroCounts());
  });
});
