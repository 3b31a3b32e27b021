/**
 * Output format `value`: the whole stdout is one decimal number. Also home to the number grammar the
 * Prometheus text parser and the serializer share, so that every stage agrees on what a number is.
 */

import { DECIMAL } from './number.js';
import { quote, type ParseResult } from './result.js';

/** Decimal floats only: optional sign, digits with an optional point, optional exponent. */
const DECIMAL_RE = new RegExp(`^${DECIMAL}$`);

/** The only characters a script's output may be padded with. */
const PADDING: ReadonlySet<string> = new Set([' ', '\t', '\r', '\n']);

const SPECIAL_VALUES: ReadonlyMap<string, number> = new Map([
  ['NaN', Number.NaN],
  ['+Inf', Number.POSITIVE_INFINITY],
  ['-Inf', Number.NEGATIVE_INFINITY],
  ['Inf', Number.POSITIVE_INFINITY],
]);

/**
 * Reads a decimal float (`42`, `-1.5`, `+3`, `1e3`, `.5`, `5.`). Returns undefined when the token
 * is not one; a token too large for a double comes back as ±Infinity so callers can say so.
 */
export function parseDecimal(token: string): number | undefined {
  return DECIMAL_RE.test(token) ? Number(token) : undefined;
}

/**
 * Reads a sample value as text format 0.0.4 writes it: a finite decimal float, or exactly `NaN`,
 * `+Inf`, `-Inf` or `Inf`. Hex, underscores, other spellings and out-of-range decimals give undefined.
 */
export function parseSampleValue(token: string): number | undefined {
  const special = SPECIAL_VALUES.get(token);
  if (special !== undefined) return special;
  const value = parseDecimal(token);
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/** Parses output format `value`: stdout, padded with blanks, must be exactly one finite decimal number. */
export function parseValue(stdout: string): ParseResult<number> {
  const text = trimPadding(stdout);
  const expected = 'expected one decimal number on stdout';
  if (text === '') return { ok: false, message: `${expected}, got empty output` };

  const lines = text.split('\n').filter((line) => trimPadding(line) !== '');
  if (lines.length > 1) return { ok: false, message: `${expected}, got ${lines.length} lines` };

  const value = parseDecimal(text);
  if (value === undefined) return { ok: false, message: `${expected}, got ${quote(text)}` };
  if (!Number.isFinite(value)) {
    return { ok: false, message: `${expected}, got ${quote(text)}, which is out of range` };
  }
  return { ok: true, value };
}

function trimPadding(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PADDING.has(text.charAt(start))) start += 1;
  while (end > start && PADDING.has(text.charAt(end - 1))) end -= 1;
  return text.slice(start, end);
}
