import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatValue, serialize } from '../../src/expose/text.js';
import type { MetricFamily, Sample } from '../../src/metrics/types.js';
import { parsePrometheusText } from '../../src/parse/prometheus.js';

const FIXTURES = new URL('../fixtures/expose/', import.meta.url).pathname;
const PUSHGATEWAY_CAPTURE = new URL('../fixtures/parse-prometheus/pushgateway-metrics/input.txt', import.meta.url)
  .pathname;
const cases = readdirSync(FIXTURES).sort();

/** JSON has no NaN or infinities: fixtures write them as strings. */
const SPECIAL_VALUES: Readonly<Record<string, number>> = { NaN: Number.NaN, '+Inf': Infinity, '-Inf': -Infinity };

function readFamilies(dir: string): MetricFamily[] {
  const raw = JSON.parse(readFileSync(join(dir, 'input.json'), 'utf8')) as {
    name: string;
    type: MetricFamily['type'];
    help: string;
    samples: (Omit<Sample, 'value'> & { value: number | string })[];
  }[];
  return raw.map((family) => ({
    ...family,
    samples: family.samples.map((sample) => {
      const value = typeof sample.value === 'number' ? sample.value : SPECIAL_VALUES[sample.value];
      if (value === undefined) throw new Error(`${dir}: unknown value ${JSON.stringify(sample.value)}`);
      return { ...sample, value };
    }),
  }));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('serialize fixtures', () => {
  it.each(cases)('%s', (name) => {
    const dir = join(FIXTURES, name);
    expect(serialize(readFamilies(dir))).toBe(readFileSync(join(dir, 'expected.prom'), 'utf8'));
  });
});

describe('serialize', () => {
  const gauge = (name: string, samples: Sample[], help = ''): MetricFamily => ({ name, type: 'gauge', help, samples });

  it('gives an empty string for no families', () => {
    expect(serialize([])).toBe('');
  });

  it('omits HELP when help is empty and braces when a sample has no labels', () => {
    expect(serialize([gauge('up', [{ name: 'up', labels: {}, value: 1 }])])).toBe('# TYPE up gauge\nup 1\n');
  });

  it('never mutates its input, and the order of its input does not matter', () => {
    const a = gauge('a', [
      { name: 'a', labels: { z: '1', y: '2' }, value: 1 },
      { name: 'a', labels: { y: '1' }, value: 2 },
    ]);
    const b = gauge('b', [{ name: 'b', labels: {}, value: 3 }], 'B.');
    const frozen = deepFreeze([b, a]);
    const swapped = [{ ...a, samples: [...a.samples].reverse() }, b];
    expect(serialize(frozen)).toBe(serialize(swapped));
    expect(frozen[0]).toBe(b);
  });

  it('orders le and quantile as numbers: finite, +Inf, NaN, then values that are not numbers', () => {
    const les = ['abc', 'NaN', '+Inf', '10', '-1', '2.5', '1e0'];
    const family: MetricFamily = {
      name: 'x',
      type: 'histogram',
      help: '',
      samples: les.map((le) => ({ name: 'x_bucket', labels: { le }, value: 0 })),
    };
    const printed = serialize([family]).match(/le="[^"]*"/g);
    expect(printed).toEqual(['-1', '1e0', '2.5', '10', '+Inf', 'NaN', 'abc'].map((le) => `le="${le}"`));
  });

  it('throws naming a family that appears twice', () => {
    expect(() => serialize([gauge('dup', []), gauge('ok', []), gauge('dup', [])])).toThrow(
      'serialize: two metric families are named "dup"; merge them first',
    );
  });
});

describe('formatValue', () => {
  it.each([
    [Number.NaN, 'NaN'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [-0, '0'],
    [0, '0'],
    [1e21, '1e+21'],
    [1e20, '100000000000000000000'],
    [0.1, '0.1'],
    [1e-7, '1e-7'],
    [-1.5, '-1.5'],
    [2 ** 53 + 2, '9007199254740994'],
  ])('prints %d as %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });
});

describe('escaping', () => {
  it('escapes only backslash and line feed in HELP', () => {
    expect(escapeHelp('C:\\dir\n"quoted"\ttab')).toBe('C:\\\\dir\\n"quoted"\ttab');
  });

  it('escapes only backslash, double quote and line feed in label values', () => {
    expect(escapeLabelValue('C:\\dir\n"quoted"\ttab')).toBe('C:\\\\dir\\n\\"quoted\\"\ttab');
  });
});

const PROMTOOL_MISSING = spawnSync('promtool', ['--version']).error !== undefined;
const SKIP_PROMTOOL = PROMTOOL_MISSING && !process.env.CI;

function promtoolCheck(text: string): { error: string | undefined; status: number | null; output: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { error: run.error?.message, status: run.status, output: `${run.stdout ?? ''}${run.stderr ?? ''}` };
}

describe.skipIf(SKIP_PROMTOOL)(
  `promtool check metrics${SKIP_PROMTOOL ? ' (skipped: promtool is not on PATH; with CI set this fails)' : ''}`,
  () => {
    it.each(cases)('finds nothing to report in expose/%s/expected.prom', (name) => {
      const text = readFileSync(join(FIXTURES, name, 'expected.prom'), 'utf8');
      expect(promtoolCheck(text)).toEqual({ error: undefined, status: 0, output: '' });
    });

    it("finds nothing to report in our serialization of the Pushgateway's own /metrics", () => {
      const parsed = parsePrometheusText(readFileSync(PUSHGATEWAY_CAPTURE, 'utf8'));
      if (!parsed.ok) expect.fail(`line ${parsed.line}: ${parsed.message}`);
      expect(promtoolCheck(serialize(parsed.value))).toEqual({ error: undefined, status: 0, output: '' });
    });
  },
);
