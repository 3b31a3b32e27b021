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

/**
 * What Go's strconv.ParseFloat reads besides decimals, in any case: `NaN` (unsigned), `Inf` and
 * `Infinity` (optionally signed). A prefix such as `infin` is not one.
 */
const SPECIAL_RE = /^(?:([+-]?)inf(?:inity)?|nan)$/i;

/**
 * Reads a decimal float (`42`, `-1.5`, `+3`, `1e3`, `.5`, `5.`). Returns undefined when the token
 * is not one; a token too large for a double comes back as ±Infinity so callers can say so.
 */
export function parseDecimal(token: string): number | undefined {
  return DECIMAL_RE.test(token) ? Number(token) : undefined;
}

/**
 * Reads a sample value as the Pushgateway's parser (prometheus/common expfmt) and Prometheus' own do:
 * Go's strconv.ParseFloat, without the forms Go 1.13 added (their `parseFloat` refuses any `p`,
 * `P` or `_`, "to keep to pre-Go 1.13 float formats"). So: a finite decimal float (`1e3`, `.5`,
 * `5.`, `+3`), or `NaN`, `Inf`, `Infinity` in any case, the latter two with an optional sign.
 * Hex floats (`0x1p-2`), underscores, `+NaN` and out-of-range decimals give undefined.
 */
export function parseSampleValue(token: string): number | undefined {
  const special = SPECIAL_RE.exec(token);
  if (special !== null) {
    if (special[1] === undefined) return Number.NaN;
    return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
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
