/**
 * Text exposition format 0.0.4, spec-exact and deterministic: the same families always give the
 * same bytes, whatever order they came in. Pure: inputs are never mutated, names never rewritten.
 */

import type { Labels, MetricFamily, Sample } from '../metrics/types.js';
import { parseSampleValue } from '../parse/value.js';

type LabelPair = readonly [name: string, value: string];

interface SortableSample {
  readonly sample: Sample;
  readonly pairs: readonly LabelPair[];
}

/** Labels whose values are numbers (bucket bounds, quantiles) and sort as numbers. */
const NUMERIC_LABELS: ReadonlySet<string> = new Set(['le', 'quantile']);

/**
 * Families sorted by name, each as `# HELP` (when help is non-empty), `# TYPE`, then its samples
 * sorted by series name and label set. Throws when two families share a name: that is a bug in
 * the caller, which must merge them.
 */
export function serialize(families: readonly MetricFamily[]): string {
  const sorted = [...families].sort((a, b) => compareText(a.name, b.name));
  for (const [i, family] of sorted.entries()) {
    if (i > 0 && sorted[i - 1]?.name === family.name) {
      throw new Error(`serialize: two metric families are named ${JSON.stringify(family.name)}; merge them first`);
    }
  }
  return sorted.map(familyText).join('');
}

/** `NaN`, `+Inf`, `-Inf`, else JavaScript's shortest round-tripping form (`-0` prints as `0`). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return value === 0 ? '0' : String(value);
}

/** HELP text escapes only backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (ch) => (ch === '\n' ? '\\n' : '\\\\'));
}

/** Label values escape only backslash, double quote and line feed. */
export function escapeLabelValue(text: string): string {
  return text.replace(/[\\"\n]/g, (ch) => (ch === '\n' ? '\\n' : `\\${ch}`));
}

function familyText(family: MetricFamily): string {
  const lines: string[] = [];
  if (family.help !== '') lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
  lines.push(`# TYPE ${family.name} ${family.type}`);
  const samples = family.samples
    .map((sample): SortableSample => ({ sample, pairs: sortedPairs(sample.labels) }))
    .sort(compareSamples);
  for (const { sample, pairs } of samples) lines.push(sampleLine(sample, pairs));
  return lines.map((line) => `${line}\n`).join('');
}

function sampleLine(sample: Sample, pairs: readonly LabelPair[]): string {
  const labels = pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',');
  return `${sample.name}${labels === '' ? '' : `{${labels}}`} ${formatValue(sample.value)}`;
}

function sortedPairs(labels: Labels): LabelPair[] {
  return Object.entries(labels).sort(([a], [b]) => compareText(a, b));
}

/**
 * By series name, then label sets pairwise (name, then value; a shorter set first on a tie), and
 * only then by `le` / `quantile`, numerically: a histogram's buckets stay together per label set,
 * in increasing order, as Prometheus' own clients print them.
 */
function compareSamples(a: SortableSample, b: SortableSample): number {
  const byName = compareText(a.sample.name, b.sample.name);
  if (byName !== 0) return byName;
  const restA = a.pairs.filter(([n]) => !NUMERIC_LABELS.has(n));
  const restB = b.pairs.filter(([n]) => !NUMERIC_LABELS.has(n));
  const shared = Math.min(restA.length, restB.length);
  for (let i = 0; i < shared; i += 1) {
    const [nameA, valueA] = restA[i]!;
    const [nameB, valueB] = restB[i]!;
    const byLabel = compareText(nameA, nameB) || compareText(valueA, valueB);
    if (byLabel !== 0) return byLabel;
  }
  if (restA.length !== restB.length) return restA.length - restB.length;
  const bound = (s: SortableSample): string => s.pairs.find(([n]) => NUMERIC_LABELS.has(n))?.[1] ?? '';
  return compareNumericText(bound(a), bound(b));
}

/** Numbers ascending with `+Inf` after every finite bound, then NaN, then values that are not numbers. */
function compareNumericText(a: string, b: string): number {
  const rank = (text: string): [group: number, value: number] => {
    const value = parseSampleValue(text);
    if (value === undefined) return [2, 0];
    return Number.isNaN(value) ? [1, 0] : [0, value];
  };
  const [groupA, numberA] = rank(a);
  const [groupB, numberB] = rank(b);
  if (groupA !== groupB) return groupA - groupB;
  if (numberA !== numberB) return numberA < numberB ? -1 : 1;
  return compareText(a, b);
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
