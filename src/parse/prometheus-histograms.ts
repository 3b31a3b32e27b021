/**
 * Histograms and summaries checked as a whole, once every line of the output is read.
 *
 * The Pushgateway (1.5.1) checks none of this: client_golang's checkMetricConsistency looks at a
 * metric's type, label names and uniqueness only. What it does with a bad series is worse than a
 * refusal, as a push and a scrape of the real gateway show: expfmt keeps counts as uint64 (-1 is
 * served as 18446744073709551615, 2.7 as 2, NaN as 9223372036854775808), and what is missing is
 * made up when the group is served (a `+Inf` bucket from `_count`, a `_count` or `_sum` of 0). So
 * every series of a histogram or summary must be one the gateway stores as written, and a
 * histogram must be one by the format's definition: cumulative buckets, a `+Inf` bucket, and
 * `_count` equal to it.
 */

import { formatValue } from '../expose/text.js';
import type { MetricFamily } from '../metrics/types.js';
import { parseSampleValue } from './value.js';

/** A family as the parser holds it: each sample's 1-based line beside it. */
export interface LinedFamily extends MetricFamily {
  readonly lines: readonly number[];
}

export interface LineProblem {
  readonly line: number;
  readonly message: string;
}

interface Point {
  readonly value: number;
  readonly line: number;
}

/** A bucket (`le`) or a quantile (`quantile`): its bound as written and read. */
interface Bounded extends Point {
  readonly bound: number;
  readonly text: string;
}

/** One series of a histogram or summary: its samples that share every label but `le` / `quantile`. */
interface Series {
  /** `name{labels}` as a message shows it. */
  readonly shown: string;
  readonly firstLine: number;
  readonly bounded: Bounded[];
  count?: Point;
  sum?: Point;
}

/** Beyond this, a count no longer fits the gateway's uint64. */
const UINT64_LIMIT = 2 ** 64;

/** The first problem (by line) of a histogram or summary family; undefined for other types. */
export function histogramProblem(family: LinedFamily): LineProblem | undefined {
  if (family.type !== 'histogram' && family.type !== 'summary') return undefined;
  const problems: LineProblem[] = [];
  const series = seriesOf(family, problems);
  for (const s of series) problems.push(...seriesProblems(family, s));
  return problems.sort((a, b) => a.line - b.line)[0];
}

function seriesOf(family: LinedFamily, problems: LineProblem[]): Series[] {
  const boundLabel = family.type === 'histogram' ? 'le' : 'quantile';
  const byKey = new Map<string, Series>();
  family.samples.forEach((sample, i) => {
    const line = family.lines[i]!;
    const rest = Object.entries(sample.labels).filter(([k]) => k !== boundLabel);
    const key = rest
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .sort()
      .join(',');
    let s = byKey.get(key);
    if (s === undefined) {
      s = { shown: `${family.name}${key === '' ? '' : `{${key}}`}`, firstLine: line, bounded: [] };
      byKey.set(key, s);
    }
    const point = { value: sample.value, line };
    const counted = countProblem(sample.name, sample.labels, point);
    if (sample.name === `${family.name}_count`) {
      if (counted) problems.push(counted);
      if (s.count)
        problems.push({
          line,
          message: `expected one "${family.name}_count" in ${s.shown}, got a second (the first is on line ${s.count.line})`,
        });
      s.count ??= point;
    } else if (sample.name === `${family.name}_sum`) {
      if (s.sum)
        problems.push({
          line,
          message: `expected one "${family.name}_sum" in ${s.shown}, got a second (the first is on line ${s.sum.line})`,
        });
      s.sum ??= point;
    } else {
      // A bucket (its count is a count) or a quantile (its value is any number).
      if (counted && family.type === 'histogram') problems.push(counted);
      const text = sample.labels[boundLabel] ?? '';
      s.bounded.push({ ...point, text, bound: parseSampleValue(text) ?? Number.NaN });
    }
  });
  return [...byKey.values()];
}

/** A count (a bucket's, `_count`) must be a whole number the gateway's uint64 holds as written. */
function countProblem(name: string, labels: Readonly<Record<string, string>>, p: Point): LineProblem | undefined {
  if (Number.isInteger(p.value) && p.value >= 0 && p.value < UINT64_LIMIT) return undefined;
  const shown = `${name}${
    Object.keys(labels).length === 0
      ? ''
      : `{${Object.entries(labels)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(',')}}`
  }`;
  return {
    line: p.line,
    message: `expected a count (a whole number, 0 or more) for ${shown}, got ${formatValue(p.value)}: the Pushgateway stores counts as unsigned integers and would push another number`,
  };
}

function seriesProblems(family: LinedFamily, s: Series): LineProblem[] {
  const problems: LineProblem[] = [];
  const madeUp = (suffix: string): LineProblem => ({
    line: s.firstLine,
    message: `expected "${family.name}${suffix}" in ${s.shown}, got none: the Pushgateway would push 0 in its place`,
  });
  if (s.count === undefined) problems.push(madeUp('_count'));
  if (s.sum === undefined) problems.push(madeUp('_sum'));
  const histogram = family.type === 'histogram';
  const label = histogram ? 'le' : 'quantile';

  // Ascending bounds; of two equal ones, the later line is the one reported.
  const sorted = [...s.bounded].sort((a, b) => a.bound - b.bound || a.line - b.line);
  for (let i = 1; i < sorted.length; i += 1) {
    const [lower, upper] = [sorted[i - 1]!, sorted[i]!];
    if (upper.bound === lower.bound) {
      const what = histogram ? 'bucket bound' : 'quantile';
      problems.push({
        line: upper.line,
        message: `expected each ${what} once in ${s.shown}, got ${label}="${upper.text}" and ${label}="${lower.text}" (line ${lower.line}), the same number`,
      });
    } else if (histogram && upper.value < lower.value) {
      problems.push({
        line: upper.line,
        message: `expected cumulative bucket counts in ${s.shown}: le="${upper.text}" counts ${formatValue(upper.value)}, fewer than le="${lower.text}" (${formatValue(lower.value)}, line ${lower.line})`,
      });
    }
  }
  if (!histogram) return problems;
  const inf = sorted.find((b) => b.bound === Number.POSITIVE_INFINITY);
  if (inf === undefined) {
    problems.push({
      line: s.firstLine,
      message: `expected a bucket le="+Inf" in ${s.shown} (it counts every observation, as _count does), got none`,
    });
  } else if (s.count !== undefined && s.count.value !== inf.value) {
    problems.push({
      line: s.count.line,
      message: `expected "${family.name}_count" of ${s.shown} to equal its le="+Inf" bucket (${formatValue(inf.value)}, line ${inf.line}), got ${formatValue(s.count.value)}`,
    });
  }
  return problems;
}
