import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePingSummary, readPingRun } from '../../src/parse/ping.js';

/**
 * One case per folder: ping's stdout in `output.txt`, with `stderr.txt` and `exit-code` when ping
 * printed to stderr or exited non-zero, and `expected.json` (`{ok: true, value}` or `{ok: false,
 * message, line?}`), written by hand from the summary lines. Each folder's SOURCE says where the
 * output came from: `iputils-*` and `busybox-*` are captured from the real programs by capture.sh
 * (loopback, and network namespaces it makes); `bsd-*` and `error-*` are hand-written.
 */
const FIXTURES = new URL('../fixtures/ping/', import.meta.url).pathname;
const cases = readdirSync(FIXTURES)
  .filter((name) => statSync(join(FIXTURES, name)).isDirectory())
  .sort();

const read = (name: string, file: string): string | undefined => {
  const p = join(FIXTURES, name, file);
  return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
};

const run = (name: string) => ({
  stdout: read(name, 'output.txt') ?? '',
  stderr: read(name, 'stderr.txt') ?? '',
  exitCode: Number(read(name, 'exit-code') ?? 0),
});

describe('ping summary fixtures', () => {
  it('covers every format, captured and hand-written, successes and failures', () => {
    for (const prefix of ['iputils-', 'busybox-', 'bsd-'])
      expect(cases.filter((c) => c.startsWith(prefix)).length).toBeGreaterThanOrEqual(4);
    for (const name of cases)
      expect(read(name, 'SOURCE'), `${name}/SOURCE`).toMatch(/^(Captured by capture\.sh|Hand-written)/);
    const failures = cases.filter((c) => read(c, 'expected.json')?.includes('"ok": false'));
    expect(failures.length).toBeGreaterThanOrEqual(5);
    expect(cases.length - failures.length).toBeGreaterThanOrEqual(15);
  });

  it.each(cases)('%s', (name) => {
    expect(readPingRun(run(name))).toEqual(JSON.parse(read(name, 'expected.json') ?? '{}'));
  });
});

describe("the figures agree with ping's own summary line", () => {
  // Read here with one loose pattern per line, independently of the parser under test.
  const printed = (stdout: string) => {
    const counts = /^(\d+) packets transmitted, (\d+) (?:packets )?received.*?([\d.]+)% packet loss/m.exec(stdout);
    const rtt = /^(?:rtt|round-trip) min\/avg\/max\S* = ([\d./]+) ms/m.exec(stdout);
    return (
      counts && {
        transmitted: Number(counts[1]),
        received: Number(counts[2]),
        lossPercent: Number(counts[3]),
        times: rtt?.[1]?.split('/').map(Number),
      }
    );
  };

  it.each(cases.filter((c) => printed(run(c).stdout)))('%s', (name) => {
    const { stdout } = run(name);
    const p = printed(stdout)!;
    const r = parsePingSummary(stdout);
    if (!r.ok) {
      // Only the hand-written contradiction may fail, and exactly on that contradiction.
      expect(name).toBe('error-loss-mismatch');
      expect(Math.abs(p.lossPercent - ((p.transmitted - p.received) * 100) / p.transmitted)).toBeGreaterThan(1);
      return;
    }
    expect([r.value.transmitted, r.value.received]).toEqual([p.transmitted, p.received]);
    // The loss ratio comes from the counts; ping's printed percentage is rounded its own way.
    const ratio = (r.value.transmitted - r.value.received) / r.value.transmitted;
    expect(Math.abs(ratio * 100 - p.lossPercent)).toBeLessThan(1);
    const seconds = r.value.rtt && [
      r.value.rtt.min,
      r.value.rtt.avg,
      r.value.rtt.max,
      ...(r.value.rtt.stddev === undefined ? [] : [r.value.rtt.stddev]),
    ];
    expect(seconds?.map((s) => Math.round(s * 1e9) / 1e6)).toEqual(p.times);
  });
});

describe('parsePingSummary rules', () => {
  const summary = (...lines: string[]) =>
    ['PING x (10.0.0.1) 56(84) bytes of data.', '', '--- x ping statistics ---', ...lines, ''].join('\n');

  it('refuses tokens it does not know rather than guessing', () => {
    expect(parsePingSummary(summary('3 packets transmitted, 3 received, +1 lost, 0% packet loss'))).toEqual({
      ok: false,
      line: 4,
      message: 'unexpected "+1 lost" in ping\'s packet counts',
    });
    expect(
      parsePingSummary(
        summary('3 packets transmitted, 3 received, 0% packet loss', 'rtt min/avg/max/mdev = 1/2/3/0 ms', 'bye'),
      ),
    ).toEqual({
      ok: false,
      line: 6,
      message: 'unexpected line after ping\'s packet counts: "bye"',
    });
  });

  it('refuses impossible counts and times', () => {
    expect(
      parsePingSummary(summary("3 packets transmitted, 4 packets received, -- somebody's printing up packets!")),
    ).toMatchObject({
      ok: false,
      message: 'ping counted 4 replies to 3 requests',
    });
    expect(parsePingSummary(summary('0 packets transmitted, 0 received'))).toMatchObject({
      ok: false,
      message: 'ping transmitted no packets',
    });
    expect(
      parsePingSummary(
        summary('1 packets transmitted, 1 received, 0% packet loss', 'rtt min/avg/max/mdev = 3.0/2.0/1.0/0.1 ms'),
      ),
    ).toMatchObject({
      ok: false,
      message: 'round-trip line: expected min <= avg <= max, got 3.0/2.0/1.0 ms',
    });
    expect(
      parsePingSummary(
        summary('1 packets transmitted, 0 received, 100% packet loss', 'rtt min/avg/max/mdev = 1/1/1/0 ms'),
      ),
    ).toMatchObject({
      ok: false,
      message: 'ping printed round-trip times but no reply was received',
    });
  });

  it('accepts CRLF line ends', () => {
    const r = parsePingSummary(
      summary(
        '2 packets transmitted, 1 received, 50% packet loss, time 1001ms',
        'rtt min/avg/max/mdev = 0.5/0.5/0.5/0.0 ms',
      ).replace(/\n/g, '\r\n'),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        transmitted: 2,
        received: 1,
        duplicates: 0,
        errors: 0,
        rtt: { min: 0.0005, avg: 0.0005, max: 0.0005, stddev: 0 },
      },
    });
  });

  it('names the exit code when ping printed no summary and nothing on stderr', () => {
    expect(readPingRun({ exitCode: 2, stdout: '', stderr: '' })).toEqual({
      ok: false,
      message: 'ping exited with code 2: expected ping\'s statistics ("--- HOST ping statistics ---"), found no output',
    });
    expect(
      readPingRun({ exitCode: 141, stdout: summary('1 packets transmitted, 1 received, 0% packet loss'), stderr: '' }),
    ).toEqual({
      ok: false,
      message: 'ping exited with code 141',
    });
  });
});
