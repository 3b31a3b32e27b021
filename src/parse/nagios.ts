/**
 * Output format `nagios`: what a Nagios plugin prints, read as Nagios 3+ reads it. The first line is
 * `TEXT | PERFDATA`; long text lines may follow; perfdata continues after the first `|` in the long
 * text, up to the end of the output:
 *
 *     DISK OK - free space: / 81212MiB | /=23785897984B;243497277849;257024904396;0;270552530944
 *     long text line
 *     last long text line | 'more perfdata'=1s;2;3
 *     more=5%
 *
 * Perfdata items are space-separated `'label'=value[UOM];[warn];[crit];[min];[max]` (one item's
 * grammar is nagios-perfdata.ts). Then `nagiosFamilies` names the metrics. Pure.
 */

import type { Labels, MetricFamily, Sample } from '../metrics/types.js';
import { parsePerfDatum, type PerfDatum, type UnitClass } from './nagios-perfdata.js';
import { quote, type ParseResult } from './result.js';

export type { PerfDatum, UnitClass } from './nagios-perfdata.js';

export interface NagiosOutput {
  /** The first line's text, before any `|`, trimmed. */
  readonly summary: string;
  /** Every item in order of output, `U` values included (value undefined). */
  readonly perfdata: readonly PerfDatum[];
}

/** Parses plugin output (LF or CRLF line ends). Errors carry the 1-based line. */
export function parseNagiosOutput(stdout: string): ParseResult<NagiosOutput> {
  const lines = stdout.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  const [first = ''] = lines;
  const bar = first.indexOf('|');
  const summary = (bar < 0 ? first : first.slice(0, bar)).trim();
  const segments: { text: string; line: number }[] = bar < 0 ? [] : [{ text: first.slice(bar + 1), line: 1 }];
  let inPerfdata = false;
  for (const [index, line] of lines.entries()) {
    if (index === 0) continue;
    if (inPerfdata) {
      segments.push({ text: line, line: index + 1 });
      continue;
    }
    const at = line.indexOf('|');
    if (at >= 0) {
      inPerfdata = true;
      segments.push({ text: line.slice(at + 1), line: index + 1 });
    }
  }

  const perfdata: PerfDatum[] = [];
  const seen = new Map<string, number>();
  for (const segment of segments) {
    const items = readItems(segment.text);
    if (!items.ok) return { ok: false, line: segment.line, message: items.message };
    for (const item of items.value) {
      const datum = parsePerfDatum(item.label, item.fields, item.text);
      if (!datum.ok) return { ok: false, line: segment.line, message: datum.message };
      const earlier = seen.get(item.label);
      if (earlier !== undefined) {
        return {
          ok: false,
          line: segment.line,
          message: `expected each perfdata label once, got ${quote(item.label)} again (first on line ${earlier})`,
        };
      }
      seen.set(item.label, segment.line);
      perfdata.push(datum.value);
    }
  }
  return { ok: true, value: { summary, perfdata } };
}

interface RawItem {
  readonly label: string;
  readonly fields: string;
  /** The item as printed, for messages. */
  readonly text: string;
}

/** Splits a perfdata segment into items: `label=fields` or `'quoted label'=fields` ('' is a quote). */
function readItems(text: string): ParseResult<RawItem[]> {
  const items: RawItem[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isBlank(text.charAt(i))) i += 1;
    if (i >= text.length) return { ok: true, value: items };
    const start = i;
    let label = '';
    if (text.charAt(i) === "'") {
      i += 1;
      for (;;) {
        const close = text.indexOf("'", i);
        if (close < 0)
          return {
            ok: false,
            message: `expected a closing ' after the perfdata label, got ${quote(text.slice(start))}`,
          };
        label += text.slice(i, close);
        i = close + 1;
        if (text.charAt(i) !== "'") break;
        label += "'";
        i += 1;
      }
    } else {
      while (i < text.length && text.charAt(i) !== '=' && !isBlank(text.charAt(i))) i += 1;
      label = text.slice(start, i);
    }
    if (text.charAt(i) !== '=') {
      return {
        ok: false,
        message: `expected perfdata as 'label'=value[UOM];warn;crit;min;max, got ${quote(token(text, start))}`,
      };
    }
    if (label === '')
      return { ok: false, message: `expected a perfdata label before "=", got none in ${quote(token(text, start))}` };
    const fieldsStart = i + 1;
    i = fieldsStart;
    while (i < text.length && !isBlank(text.charAt(i))) i += 1;
    items.push({ label, fields: text.slice(fieldsStart, i), text: text.slice(start, i) });
  }
}

function isBlank(ch: string): boolean {
  return ch === ' ' || ch === '\t';
}

/** The text from `start` up to the next blank, for messages. */
function token(text: string, start: number): string {
  let end = start;
  while (end < text.length && !isBlank(text.charAt(end))) end += 1;
  return text.slice(start, end);
}

export const NAGIOS_STATE_METRIC = 'pushagent_nagios_state';

/** The family of each unit class's values, and the suffix its companions end with. */
const CLASSES: Readonly<Record<UnitClass, { readonly name: string; readonly unit: string; readonly what: string }>> = {
  none: { name: 'nagios_perfdata', unit: '', what: 'without a unit' },
  counter: { name: 'nagios_perfdata_total', unit: '', what: 'with unit c (a counter)' },
  seconds: { name: 'nagios_perfdata_seconds', unit: '_seconds', what: 'in seconds (s, ms, us)' },
  bytes: { name: 'nagios_perfdata_bytes', unit: '_bytes', what: 'in bytes (B, KB, MB, GB, TB: 1024-based)' },
  ratio: { name: 'nagios_perfdata_ratio', unit: '_ratio', what: 'as a ratio 0-1 (%)' },
};

const COMPANIONS = {
  warning: 'Warning threshold',
  critical: 'Critical threshold',
  min: 'Minimum possible value',
  max: 'Maximum possible value',
} as const;

const STATE_HELP = 'State the Nagios plugin exited with: 0 OK, 1 WARNING, 2 CRITICAL (3 UNKNOWN fails the check).';

/**
 * The state gauge and one family per unit class and field. Names never depend on the plugin's
 * labels: the perfdata label is the `label` label, exactly as printed. Items whose value is `U` are
 * left out, thresholds included. Only families with samples are returned.
 */
export function nagiosFamilies(state: number, perfdata: readonly PerfDatum[]): MetricFamily[] {
  const families = new Map<string, { type: 'gauge' | 'counter'; help: string; samples: Sample[] }>();
  const add = (name: string, type: 'gauge' | 'counter', help: string, labels: Labels, value: number): void => {
    const family = families.get(name) ?? { type, help, samples: [] };
    family.samples.push({ name, labels, value });
    families.set(name, family);
  };

  add(NAGIOS_STATE_METRIC, 'gauge', STATE_HELP, {}, state);
  for (const datum of perfdata) {
    if (datum.value === undefined) continue;
    const cls = CLASSES[datum.unit];
    const labels = { label: datum.label };
    add(
      cls.name,
      datum.unit === 'counter' ? 'counter' : 'gauge',
      `Nagios plugin performance data ${cls.what}, by perfdata label.`,
      labels,
      datum.value,
    );
    const of = cls.unit === '' ? 'nagios_perfdata or nagios_perfdata_total' : cls.name;
    for (const [field, what] of Object.entries(COMPANIONS) as [keyof typeof COMPANIONS, string][]) {
      const value = datum[field];
      if (value !== undefined)
        add(`nagios_perfdata_${field}${cls.unit}`, 'gauge', `${what} of ${of}, by perfdata label.`, labels, value);
    }
  }
  return [...families].map(([name, f]) => ({ name, type: f.type, help: f.help, samples: f.samples }));
}
