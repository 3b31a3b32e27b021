/**
 * The syntax of one line of text format 0.0.4, on its own: what kind of line it is and its tokens,
 * with the blanks Prometheus' own parser tolerates around them. Which family a sample belongs to, and
 * rules spanning lines, are prometheus.ts's job.
 */

import { isMetricName, LABEL_NAME_RE } from '../metrics/names.js';
import type { MetricType } from '../metrics/types.js';
import { quote, type ParseResult } from './result.js';
import { parseDecimal, parseSampleValue } from './value.js';

export type LabelPair = readonly [name: string, value: string];

export type LineSyntax =
  | { readonly kind: 'skip' }
  | { readonly kind: 'help'; readonly name: string; readonly help: string }
  | { readonly kind: 'type'; readonly name: string; readonly type: MetricType }
  | { readonly kind: 'sample'; readonly name: string; readonly labels: readonly LabelPair[]; readonly value: number };

type Step<T> = { ok: true; value: T; end: number } | { ok: false; message: string };

const METRIC_TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];
const META_RE = /^#[ \t]*(HELP|TYPE)(?:[ \t]+|$)/;
const TIMESTAMP_RE = /^-?\d+$/;
const HELP_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\\', '\\'],
  ['n', '\n'],
]);
const LABEL_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\\', '\\'],
  ['"', '"'],
  ['n', '\n'],
]);

/**
 * Reads one line (without its line end). Blank lines and comments other than HELP and TYPE are
 * `skip`. Messages quote found text with JSON syntax, except escape sequences, shown as written.
 */
export function readLine(line: string): ParseResult<LineSyntax> {
  const start = skipBlanks(line, 0);
  if (start === line.length) return { ok: true, value: { kind: 'skip' } };
  if (line.charAt(start) !== '#') return readSample(line, start);
  const meta = META_RE.exec(line.slice(start));
  if (meta === null) return { ok: true, value: { kind: 'skip' } };
  return readMeta(meta[1] === 'HELP' ? 'help' : 'type', line.slice(start + meta[0].length));
}

/**
 * A HELP or TYPE line that ends before its metric name or before its text is ignored, as expfmt
 * (the Pushgateway's parser) ignores it: `# HELP`, `# TYPE x`, a second `# HELP x` without text.
 * A type is matched in any case, as expfmt does (`GAUGE` is a gauge).
 */
function readMeta(kind: 'help' | 'type', rest: string): ParseResult<LineSyntax> {
  const keyword = kind.toUpperCase();
  const nameEnd = scanUntil(rest, 0, ' \t');
  const name = rest.slice(0, nameEnd);
  if (name === '') return { ok: true, value: { kind: 'skip' } };
  if (!isMetricName(name)) return fail(`expected a metric name after ${keyword}, got ${found(name)}`);
  const text = trimEndBlanks(rest.slice(skipBlanks(rest, nameEnd)));
  if (text === '') return { ok: true, value: { kind: 'skip' } };
  if (kind === 'help') {
    const help = unescape(text, HELP_ESCAPES);
    if (!help.ok)
      return fail(`expected \\\\ or \\n after a backslash in the HELP text of ${quote(name)}, got ${help.found}`);
    return { ok: true, value: { kind, name, help: help.value } };
  }
  const type = METRIC_TYPES.find((candidate) => candidate.toUpperCase() === text.toUpperCase());
  if (type === undefined) {
    return fail(`expected a metric type (${METRIC_TYPES.join(', ')}) after "TYPE ${name}", got ${found(text)}`);
  }
  return { ok: true, value: { kind, name, type } };
}

function readSample(line: string, start: number): ParseResult<LineSyntax> {
  const nameEnd = scanUntil(line, start, ' \t{');
  const name = line.slice(start, nameEnd);
  if (!isMetricName(name)) return fail(`expected a metric name, got ${found(name || line.slice(start))}`);

  let pos = skipBlanks(line, nameEnd);
  let labels: readonly LabelPair[] = [];
  const hasLabels = line.charAt(pos) === '{';
  if (hasLabels) {
    const read = readLabels(line, pos + 1);
    if (!read.ok) return read;
    labels = read.value;
    pos = skipBlanks(line, read.end);
  }

  const valueEnd = scanUntil(line, pos, ' \t');
  const token = line.slice(pos, valueEnd);
  if (token === '')
    return fail(`expected a value after ${hasLabels ? 'the labels' : 'the metric name'}, got end of line`);
  const value = parseSampleValue(token);
  if (value === undefined) {
    const range = parseDecimal(token) === undefined ? '' : ', which is out of range';
    return fail(
      `expected a value (a decimal number, NaN, +Inf or -Inf) for ${quote(name)}, got ${quote(token)}${range}`,
    );
  }

  const extra = line.slice(skipBlanks(line, valueEnd));
  if (extra !== '') {
    const timestamp = TIMESTAMP_RE.test(extra.slice(0, scanUntil(extra, 0, ' \t')));
    const why = timestamp ? ': timestamps are not allowed (the Pushgateway rejects them)' : '';
    return fail(`expected end of line after the value, got ${quote(extra)}${why}`);
  }
  return { ok: true, value: { kind: 'sample', name, labels, value } };
}

/** Reads `a="x", b="y"}` from just after `{`; blanks around tokens and a trailing comma are allowed. */
function readLabels(line: string, start: number): Step<LabelPair[]> {
  const labels: LabelPair[] = [];
  let pos = skipBlanks(line, start);
  while (line.charAt(pos) !== '}') {
    const nameEnd = scanUntil(line, pos, ' \t=,{}"');
    const name = line.slice(pos, nameEnd);
    if (!LABEL_NAME_RE.test(name)) return fail(`expected a label name or "}", got ${found(name || line.slice(pos))}`);
    if (name.startsWith('__'))
      return fail(`expected a label name not starting with "__" (reserved), got ${quote(name)}`);
    if (labels.some(([seen]) => seen === name)) {
      return fail(`expected each label name once per sample, got ${quote(name)} twice`);
    }

    pos = skipBlanks(line, nameEnd);
    if (line.charAt(pos) !== '=')
      return fail(`expected "=" after label name ${quote(name)}, got ${found(line.slice(pos))}`);
    pos = skipBlanks(line, pos + 1);
    if (line.charAt(pos) !== '"') {
      return fail(`expected a quoted value for label ${quote(name)}, got ${found(line.slice(pos))}`);
    }
    const close = closingQuote(line, pos + 1);
    if (close === -1) return fail(`expected a closing quote after the value of label ${quote(name)}, got end of line`);
    const value = unescape(line.slice(pos + 1, close), LABEL_ESCAPES);
    if (!value.ok) {
      return fail(
        `expected \\\\, \\" or \\n after a backslash in the value of label ${quote(name)}, got ${value.found}`,
      );
    }
    labels.push([name, value.value]);

    pos = skipBlanks(line, close + 1);
    if (line.charAt(pos) === ',') pos = skipBlanks(line, pos + 1);
    else if (line.charAt(pos) !== '}') {
      return fail(`expected "," or "}" after the value of label ${quote(name)}, got ${found(line.slice(pos))}`);
    }
  }
  return { ok: true, value: labels, end: pos + 1 };
}

/** Index of the quote that closes a label value starting at `start`, or -1 if the line ends first. */
function closingQuote(line: string, start: number): number {
  for (let i = start; i < line.length; i += 1) {
    const ch = line.charAt(i);
    if (ch === '\\') i += 1;
    else if (ch === '"') return i;
  }
  return -1;
}

/** Replaces the allowed escapes; on any other one, says what followed the backslash. */
function unescape(
  text: string,
  escapes: ReadonlyMap<string, string>,
): { ok: true; value: string } | { ok: false; found: string } {
  let value = '';
  for (let i = 0; i < text.length; i += 1) {
    const ch = text.charAt(i);
    if (ch !== '\\') {
      value += ch;
      continue;
    }
    if (i + 1 === text.length) return { ok: false, found: 'end of line' };
    const next = String.fromCodePoint(text.codePointAt(i + 1) ?? 0);
    const replacement = escapes.get(next);
    if (replacement === undefined) return { ok: false, found: `\\${next}` };
    value += replacement;
    i += 1;
  }
  return { ok: true, value };
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

function found(text: string): string {
  return text === '' ? 'end of line' : quote(text);
}

const isBlank = (ch: string): boolean => ch === ' ' || ch === '\t';

function skipBlanks(line: string, start: number): number {
  let i = start;
  while (i < line.length && isBlank(line.charAt(i))) i += 1;
  return i;
}

function trimEndBlanks(text: string): string {
  let end = text.length;
  while (end > 0 && isBlank(text.charAt(end - 1))) end -= 1;
  return text.slice(0, end);
}

/** First index at or after `start` holding one of the `stops` characters, or the line's length. */
function scanUntil(line: string, start: number, stops: string): number {
  let i = start;
  while (i < line.length && !stops.includes(line.charAt(i))) i += 1;
  return i;
}
