/**
 * One Nagios perfdata item after its label: `value[UOM];[warn];[crit];[min];[max]`, as the plugin
 * guidelines define it (monitoring-plugins doc/developer-guidelines, "Performance data"), read into
 * base units. Pure; errors say what was expected and what was found.
 */

import { DECIMAL as NUMBER } from './number.js';
import { quote, type ParseResult } from './result.js';

/** What a UOM measures, and so which family its values go to. */
export type UnitClass = 'none' | 'seconds' | 'bytes' | 'ratio' | 'counter';

export interface PerfDatum {
  readonly label: string;
  readonly unit: UnitClass;
  /** In base units (seconds, bytes, 0–1); undefined when the plugin printed `U` (not determined). */
  readonly value: number | undefined;
  /** Thresholds that are a plain number (`10`: alert above 10), in base units; ranges give undefined. */
  readonly warning: number | undefined;
  readonly critical: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/** How a UOM becomes a base unit: a power of ten (exact, by moving the decimal point) or a factor. */
interface Unit {
  readonly unit: UnitClass;
  readonly exp10?: number;
  readonly factor?: number;
}

const KIB = 1024;

/**
 * The plugin API's UOMs. KB, MB, GB and TB are 1024-based, as monitoring-plugins' check_disk and
 * check_swap compute them (`-u MB` multiplies by 1024 * 1024); `kB` is check_swap's spelling and the
 * IEC names (KiB...) say the same unambiguously.
 */
const UNITS: ReadonlyMap<string, Unit> = new Map<string, Unit>([
  ['', { unit: 'none' }],
  ['s', { unit: 'seconds' }],
  ['ms', { unit: 'seconds', exp10: -3 }],
  ['us', { unit: 'seconds', exp10: -6 }],
  ['%', { unit: 'ratio', exp10: -2 }],
  ['B', { unit: 'bytes' }],
  ['KB', { unit: 'bytes', factor: KIB }],
  ['kB', { unit: 'bytes', factor: KIB }],
  ['KiB', { unit: 'bytes', factor: KIB }],
  ['MB', { unit: 'bytes', factor: KIB ** 2 }],
  ['MiB', { unit: 'bytes', factor: KIB ** 2 }],
  ['GB', { unit: 'bytes', factor: KIB ** 3 }],
  ['GiB', { unit: 'bytes', factor: KIB ** 3 }],
  ['TB', { unit: 'bytes', factor: KIB ** 4 }],
  ['TiB', { unit: 'bytes', factor: KIB ** 4 }],
  ['c', { unit: 'counter' }],
]);

const UOM_NAMES: readonly string[] = [...UNITS.keys()].filter((uom) => uom !== '');

const VALUE_RE = new RegExp(`^(U|${NUMBER})(.*)$`, 's');
const NUMBER_RE = new RegExp(`^${NUMBER}$`);
/** `[@][start:]end`: start a number or `~` (minus infinity), end a number or nothing after a colon. */
const RANGE_RE = new RegExp(`^@?(?:(~|${NUMBER})?:)?(${NUMBER})?$`);

const FIELDS = ['value', 'warn', 'crit', 'min', 'max'] as const;

/**
 * Reads `value[UOM];warn;crit;min;max` (trailing fields may be left out or empty) for `label`.
 * `item` is the whole item as printed, for messages.
 */
export function parsePerfDatum(label: string, fields: string, item: string): ParseResult<PerfDatum> {
  const where = `perfdata ${quote(item)}`;
  const parts = fields.split(';');
  if (parts.length > FIELDS.length) {
    return fail(
      `${where}: expected at most 5 fields separated by ";" (value[UOM];warn;crit;min;max), got ${parts.length}`,
    );
  }
  const [valueText = '', warn = '', crit = '', min = '', max = ''] = parts;

  const match = VALUE_RE.exec(valueText);
  if (!match) return fail(`${where}: expected a number or U as the value, got ${quote(valueText)}`);
  const [, number = '', uom = ''] = match;
  const unit = UNITS.get(uom);
  if (unit === undefined && /^,\d/.test(uom)) {
    return fail(
      `${where}: expected a number with a decimal point (the C locale), got ${quote(valueText.split(/[^-+\d.,eE]/)[0] ?? valueText)}`,
    );
  }
  if (unit === undefined) {
    return fail(`${where}: expected a unit of ${UOM_NAMES.join(', ')} or none, got ${quote(uom)}`);
  }

  const value = number === 'U' ? ok(undefined) : toBase(number, unit, where, 'value');
  if (!value.ok) return value;
  if (unit.unit === 'counter' && value.value !== undefined && value.value < 0) {
    return fail(`${where}: expected a counter (unit c) of 0 or more, got ${number}`);
  }
  const warning = threshold(warn, unit, where, 'warn');
  if (!warning.ok) return warning;
  const critical = threshold(crit, unit, where, 'crit');
  if (!critical.ok) return critical;
  const low = bound(min, unit, where, 'min');
  if (!low.ok) return low;
  const high = bound(max, unit, where, 'max');
  if (!high.ok) return high;

  return ok({
    label,
    unit: unit.unit,
    value: value.value,
    warning: warning.value,
    critical: critical.value,
    min: low.value,
    max: high.value,
  });
}

/** warn and crit: empty, a plain number (kept) or a range (valid, but not a single number: dropped). */
function threshold(text: string, unit: Unit, where: string, field: string): ParseResult<number | undefined> {
  if (text === '') return ok(undefined);
  if (NUMBER_RE.test(text)) return toBase(text, unit, where, field);
  const range = RANGE_RE.exec(text);
  const [, start, end] = range ?? [];
  const bounded = start !== undefined && start !== '~' && end !== undefined;
  if (range && /\d/.test(text) && !(bounded && Number(start) > Number(end))) return ok(undefined);
  return fail(
    `${where}: expected ${field} to be a number or a range ([@][start:]end, start <= end, start may be ~), got ${quote(text)}`,
  );
}

/** min and max: empty or a number, in the value's unit. */
function bound(text: string, unit: Unit, where: string, field: string): ParseResult<number | undefined> {
  if (text === '') return ok(undefined);
  if (!NUMBER_RE.test(text))
    return fail(`${where}: expected ${field} to be a number (in the value's unit, without it), got ${quote(text)}`);
  return toBase(text, unit, where, field);
}

/**
 * A decimal in `unit` → base units. Powers of ten move the decimal point in the text, so `0.036ms`
 * is exactly the double nearest 0.000036, not 0.036 / 1000 with its rounding error.
 */
function toBase(text: string, unit: Unit, where: string, field: string): ParseResult<number> {
  let value: number;
  if (unit.exp10 !== undefined) {
    const [mantissa = '', exponent = '0'] = text.split(/[eE]/);
    value = Number(`${mantissa}e${Number(exponent) + unit.exp10}`);
  } else {
    value = Number(text) * (unit.factor ?? 1);
  }
  if (!Number.isFinite(value))
    return fail(`${where}: expected ${field} within the range of a double, got ${quote(text)}`);
  return ok(value === 0 ? 0 : value);
}

function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value };
}

function fail<T>(message: string): ParseResult<T> {
  return { ok: false, message };
}
