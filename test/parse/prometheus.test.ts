import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serialize } from '../../src/expose/text.js';
import { parsePrometheusText } from '../../src/parse/prometheus.js';

/**
 * One case per folder: `input.txt` and either `expected.prom` (the parsed families, serialized, so
 * parser and serializer round-trip) or `error.txt` (`line N: message`). Captured from real
 * processes on a Debian host: `pushgateway-metrics` is Pushgateway 1.5.1's own /metrics after a PUT
 * with escaped HELP and label values; `host-script-*`, `crlf-script` and `timestamp-script` are the
 * stdout of small bash checks (df, /proc/loadavg, printf '\r\n', date +%s%3N). The rest are written
 * by hand, one rule each.
 */
const FIXTURES = new URL('../fixtures/parse-prometheus/', import.meta.url).pathname;
const cases = readdirSync(FIXTURES).sort();

describe('parsePrometheusText fixtures', () => {
  it('has both successful and failing cases', () => {
    const errors = cases.filter((name) => existsSync(join(FIXTURES, name, 'error.txt')));
    expect(errors.length).toBeGreaterThan(10);
    expect(cases.length - errors.length).toBeGreaterThan(10);
  });

  it.each(cases)('%s', (name) => {
    const dir = join(FIXTURES, name);
    const result = parsePrometheusText(readFileSync(join(dir, 'input.txt'), 'utf8'));
    if (existsSync(join(dir, 'expected.prom'))) {
      if (!result.ok) expect.fail(`line ${result.line}: ${result.message}`);
      expect(serialize(result.value)).toBe(readFileSync(join(dir, 'expected.prom'), 'utf8'));
    } else {
      const expected = readFileSync(join(dir, 'error.txt'), 'utf8').replace(/\n$/, '');
      expect(result.ok ? 'parsed without error' : `line ${result.line}: ${result.message}`).toBe(expected);
    }
  });
});

describe('parsePrometheusText families', () => {
  it('groups a histogram under its base name, keeps full series names and leaves help empty', () => {
    const text = [
      '# TYPE rtt_seconds histogram',
      'rtt_seconds_bucket{le="1"} 2',
      'other 5',
      'rtt_seconds_bucket{le="+Inf"} 2',
      'rtt_seconds_count 2',
      'rtt_seconds_sum 0.5',
      '',
    ];
    const result = parsePrometheusText(text.join('\n'));
    expect(result).toEqual({
      ok: true,
      value: [
        {
          name: 'rtt_seconds',
          type: 'histogram',
          help: '',
          samples: [
            { name: 'rtt_seconds_bucket', labels: { le: '1' }, value: 2 },
            { name: 'rtt_seconds_bucket', labels: { le: '+Inf' }, value: 2 },
            { name: 'rtt_seconds_count', labels: {}, value: 2 },
            { name: 'rtt_seconds_sum', labels: {}, value: 0.5 },
          ],
        },
        { name: 'other', type: 'untyped', help: '', samples: [{ name: 'other', labels: {}, value: 5 }] },
      ],
    });
  });

  it('counts lines the same with CRLF and LF line ends', () => {
    const lines = ['# HELP a x', '', 'a 1', 'a{b="c"} 1 1700000000'];
    const lf = parsePrometheusText(lines.join('\n'));
    const crlf = parsePrometheusText(lines.join('\r\n'));
    expect(lf).toMatchObject({ ok: false, line: 4 });
    expect(crlf).toEqual(lf);
  });
});
