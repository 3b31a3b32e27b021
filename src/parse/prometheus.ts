/**
 * Output format `prometheus`: a script prints text exposition format 0.0.4 and we read it into
 * families, as strictly as the Pushgateway will (no timestamps, no duplicate series). Line syntax is
 * prometheus-line.ts; here are the rules across lines; whole histograms and summaries are
 * prometheus-histograms.ts'. Reserved labels and names are the caller's job.
 */

import type { MetricFamily, MetricType, Sample } from '../metrics/types.js';
import { histogramProblem } from './prometheus-histograms.js';
import { readLine, type LabelPair, type LineSyntax } from './prometheus-line.js';
import { quote, type ParseResult } from './result.js';
import { parseSampleValue } from './value.js';

interface FamilyState {
  readonly name: string;
  readonly samples: Sample[];
  /** Each sample's line, for rules checked once the whole output is read. */
  readonly lines: number[];
  type?: MetricType;
  typeLine?: number;
  help?: string;
  helpLine?: number;
  firstSample?: { readonly name: string; readonly line: number };
}

/** Everything one parse has seen so far; created per call, never shared. */
interface State {
  readonly families: Map<string, FamilyState>;
  readonly seriesLines: Map<string, number>;
}

/**
 * Parses text format 0.0.4 (LF or CRLF line ends) into families in order of first mention, each
 * family's samples in input order. Families declared but never sampled are dropped; a family
 * without HELP has `help: ''`. Errors carry the 1-based line.
 */
export function parsePrometheusText(text: string): ParseResult<MetricFamily[]> {
  const state: State = { families: new Map(), seriesLines: new Map() };
  for (const [index, raw] of text.split('\n').entries()) {
    const read = readLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    const lineNo = index + 1;
    if (!read.ok) return { ok: false, line: lineNo, message: read.message };
    const error = apply(state, read.value, lineNo);
    if (error !== undefined) return { ok: false, line: lineNo, message: error };
  }
  const sampled = [...state.families.values()].filter((family) => family.samples.length > 0);
  const problem = sampled
    .map((family) => histogramProblem({ ...family, type: family.type ?? 'untyped', help: family.help ?? '' }))
    .filter((p) => p !== undefined)
    .sort((a, b) => a.line - b.line)[0];
  if (problem !== undefined) return { ok: false, ...problem };
  const families = sampled.map((family) => ({
    name: family.name,
    type: family.type ?? 'untyped',
    help: family.help ?? '',
    samples: family.samples,
  }));
  return { ok: true, value: families };
}

function apply(state: State, syntax: LineSyntax, lineNo: number): string | undefined {
  switch (syntax.kind) {
    case 'help':
      return addHelp(state, syntax.name, syntax.help, lineNo);
    case 'type':
      return addType(state, syntax.name, syntax.type, lineNo);
    case 'sample':
      return addSample(state, syntax.name, syntax.labels, syntax.value, lineNo);
    case 'skip':
      return undefined;
  }
}

function addHelp(state: State, name: string, help: string, lineNo: number): string | undefined {
  const owned = ownedError(state, name, 'HELP');
  if (owned !== undefined) return owned;
  const family = familyState(state, name);
  if (family.helpLine !== undefined) {
    return `expected one HELP line for ${quote(name)}, got a second (the first is on line ${family.helpLine})`;
  }
  family.help = help;
  family.helpLine = lineNo;
  return undefined;
}

function addType(state: State, name: string, type: MetricType, lineNo: number): string | undefined {
  const owned = ownedError(state, name, 'TYPE');
  if (owned !== undefined) return owned;
  const family = familyState(state, name);
  if (family.typeLine !== undefined) {
    return `expected one TYPE line for ${quote(name)}, got a second (the first is on line ${family.typeLine})`;
  }
  for (const member of memberNames(name, type)) {
    const taken = state.families.get(member);
    if (taken?.firstSample !== undefined) {
      const { name: first, line } = taken.firstSample;
      return `expected the TYPE line of ${quote(name)} before its samples, got it after ${quote(first)} on line ${line}`;
    }
    if (taken !== undefined && member !== name) {
      const line = taken.helpLine ?? taken.typeLine;
      return `expected no HELP or TYPE of its own for ${quote(member)}, part of ${type} ${quote(name)}, got one on line ${line}`;
    }
  }
  family.type = type;
  family.typeLine = lineNo;
  return undefined;
}

function addSample(
  state: State,
  name: string,
  labels: readonly LabelPair[],
  value: number,
  lineNo: number,
): string | undefined {
  const family = ownerOf(state, name) ?? familyState(state, name);
  const memberError = checkMember(family, name, new Map(labels));
  if (memberError !== undefined) return memberError;

  const series = `${name}{${labels
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .sort()
    .join(',')}}`;
  const firstLine = state.seriesLines.get(series);
  if (firstLine !== undefined) return `expected each series once, got ${series} again (first on line ${firstLine})`;
  state.seriesLines.set(series, lineNo);

  family.samples.push({ name, labels: Object.fromEntries(labels), value });
  family.lines.push(lineNo);
  family.firstSample ??= { name, line: lineNo };
  return undefined;
}

/** The rules a sample must follow to belong to a histogram or summary family. */
function checkMember(family: FamilyState, name: string, labels: ReadonlyMap<string, string>): string | undefined {
  const base = family.name;
  if (family.type === 'histogram') {
    if (name === base) {
      return `expected "${base}_bucket", "${base}_sum" or "${base}_count" in histogram ${quote(base)}, got ${quote(name)}`;
    }
    return name === `${base}_bucket` ? checkBound(name, 'le', labels) : undefined;
  }
  return family.type === 'summary' && name === base ? checkBound(name, 'quantile', labels) : undefined;
}

/**
 * A bucket's `le` or a quantile's `quantile` label: present, and a number other than NaN (expfmt
 * drops a bucket or quantile whose bound is NaN without a word).
 */
function checkBound(name: string, label: string, labels: ReadonlyMap<string, string>): string | undefined {
  const value = labels.get(label);
  if (value === undefined) return `expected a label "${label}" on ${quote(name)}, got none`;
  const bound = parseSampleValue(value);
  if (bound === undefined) {
    return `expected a number (a decimal number, NaN, +Inf or -Inf) in label "${label}" of ${quote(name)}, got ${quote(value)}`;
  }
  if (Number.isNaN(bound))
    return `expected a number other than NaN in label "${label}" of ${quote(name)} (the Pushgateway would drop it), got ${quote(value)}`;
  return undefined;
}

/** A HELP or TYPE for `x_sum` when `x` is a summary would split one family in two: refuse it. */
function ownedError(state: State, name: string, keyword: string): string | undefined {
  const owner = ownerOf(state, name);
  if (owner === undefined) return undefined;
  return `expected no ${keyword} of its own for ${quote(name)}, part of ${owner.type} ${quote(owner.name)} (line ${owner.typeLine})`;
}

/** The histogram or summary family that claims a series name through its suffix, if any. */
function ownerOf(state: State, name: string): FamilyState | undefined {
  const match = /^(.+)_(bucket|sum|count)$/.exec(name);
  if (match?.[1] === undefined) return undefined;
  const base = state.families.get(match[1]);
  const claims = base?.type === 'histogram' || (base?.type === 'summary' && match[2] !== 'bucket');
  return claims ? base : undefined;
}

/** The series names a family of this type may hold. */
function memberNames(name: string, type: MetricType): readonly string[] {
  if (type === 'histogram') return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

function familyState(state: State, name: string): FamilyState {
  const existing = state.families.get(name);
  if (existing !== undefined) return existing;
  const created: FamilyState = { name, samples: [], lines: [] };
  state.families.set(name, created);
  return created;
}
