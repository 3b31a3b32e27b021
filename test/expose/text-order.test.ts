/**
 * The serializer takes a fast path for families whose samples share their label names; this
 * checks, on many random families of both kinds built to hit every tie (name prefixes, shorter
 * label sets, le/quantile, control characters, escapes, unicode), that it prints exactly what the
 * plain comparison rule prints.
 */
import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatValue, serialize } from '../../src/expose/text.js';
import type { Labels, MetricFamily, Sample } from '../../src/metrics/types.js';
import { parseSampleValue } from '../../src/parse/value.js';

/** The rule, written the slow and obvious way (the serializer's code before its fast path). */
function reference(families: readonly MetricFamily[]): string {
  type Pair = readonly [string, string];
  const numeric = new Set(['le', 'quantile']);
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const rank = (t: string): [number, number] => {
    const v = parseSampleValue(t);
    return v === undefined ? [2, 0] : Number.isNaN(v) ? [1, 0] : [0, v];
  };
  const numericText = (a: string, b: string) => {
    const [ga, na] = rank(a);
    const [gb, nb] = rank(b);
    if (ga !== gb) return ga - gb;
    if (na !== nb) return na < nb ? -1 : 1;
    return text(a, b);
  };
  const pairsOf = (labels: Labels): Pair[] => Object.entries(labels).sort(([a], [b]) => text(a, b));
  const compare = (a: { s: Sample; p: Pair[] }, b: { s: Sample; p: Pair[] }) => {
    const byName = text(a.s.name, b.s.name);
    if (byName !== 0) return byName;
    const ra = a.p.filter(([n]) => !numeric.has(n));
    const rb = b.p.filter(([n]) => !numeric.has(n));
    for (let i = 0; i < Math.min(ra.length, rb.length); i += 1) {
      const c = text(ra[i]![0], rb[i]![0]) || text(ra[i]![1], rb[i]![1]);
      if (c !== 0) return c;
    }
    if (ra.length !== rb.length) return ra.length - rb.length;
    const bound = (x: { p: Pair[] }) => x.p.find(([n]) => numeric.has(n))?.[1] ?? '';
    return numericText(bound(a), bound(b));
  };
  return [...families]
    .sort((a, b) => text(a.name, b.name))
    .map((f) => {
      const head = `${f.help === '' ? '' : `# HELP ${f.name} ${escapeHelp(f.help)}\n`}# TYPE ${f.name} ${f.type}\n`;
      const lines = f.samples
        .map((s) => ({ s, p: pairsOf(s.labels) }))
        .sort(compare)
        .map(({ s, p }) => {
          const l = p.map(([n, v]) => `${n}="${escapeLabelValue(v)}"`).join(',');
          return `${s.name}${l === '' ? '' : `{${l}}`} ${formatValue(s.value)}\n`;
        });
      return head + lines.join('');
    })
    .join('');
}

function random(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

const SERIES = ['a', 'a_b', 'ab', 'a_bucket', 'b'];
const LABEL_NAMES = ['a', 'a_', 'aa', 'b', 'le', 'quantile', 'z'];
const VALUES = [
  '',
  'x',
  'xy',
  'x\u0000',
  'x\u0001y',
  '\u0000',
  '\\',
  '"',
  '\n',
  'é',
  '😀',
  '\uffff',
  '1',
  '1.0',
  '1e0',
  '-1',
  '10',
  '9',
  '+Inf',
  'NaN',
  'abc',
];

function randomFamilies(rnd: () => number, withSeparators: boolean): MetricFamily[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const values = withSeparators ? VALUES : VALUES.filter((v) => !/[\u0000\u0001]/.test(v));
  const families: MetricFamily[] = [];
  for (const name of ['f', 'g', 'h'].slice(0, 1 + Math.floor(rnd() * 3))) {
    const samples: Sample[] = [];
    const n = Math.floor(rnd() * 30);
    // Half the families give every sample the same label names in the same (unsorted) order.
    const shared = rnd() < 0.5 ? Array.from({ length: Math.floor(rnd() * 4) }, () => pick(LABEL_NAMES)) : undefined;
    for (let i = 0; i < n; i += 1) {
      const labels: Record<string, string> = {};
      const k = Math.floor(rnd() * 4);
      for (const label of shared ?? Array.from({ length: k }, () => pick(LABEL_NAMES))) labels[label] = pick(values);
      samples.push({
        name: shared && rnd() < 0.7 ? name : `${name}${pick(SERIES)}`,
        labels,
        value: pick([0, 1, -0.5, Number.NaN, Infinity, 1e21]),
      });
    }
    families.push({
      name,
      type: pick(['gauge', 'histogram', 'summary'] as const),
      help: pick(['', 'h\\n\n"']),
      samples,
    });
  }
  return families;
}

describe('serialize orders exactly as the rule', () => {
  it.each([false, true])('on 1000 random sets of families (NUL and SOH in values: %s)', (withSeparators) => {
    const rnd = random(withSeparators ? 7 : 3);
    for (let i = 0; i < 1000; i += 1) {
      const families = randomFamilies(rnd, withSeparators);
      expect(serialize(families)).toBe(reference(families));
    }
  });

  it('leaves samples that compare equal in their input order', () => {
    const same = (value: number): Sample => ({ name: 'x', labels: { a: '1' }, value });
    const family: MetricFamily = { name: 'x', type: 'gauge', help: '', samples: [same(3), same(1), same(2)] };
    expect(serialize([family])).toBe(reference([family]));
    expect(serialize([family])).toBe('# TYPE x gauge\nx{a="1"} 3\nx{a="1"} 1\nx{a="1"} 2\n');
  });
});
