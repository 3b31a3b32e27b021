/**
 * THE table of exec output formats: how a finished command's exit status and stdout become samples.
 * Adding a format: a pure parser in src/parse/, one row here.
 */
import type { MetricFamily } from '../metrics/types.js';
import { GATEWAY_METRIC_NAMES, OWN_PREFIX } from '../metrics/names.js';
import { nagiosFamilies, parseNagiosOutput } from '../parse/nagios.js';
import { parsePrometheusText } from '../parse/prometheus.js';
import { firstLine } from '../parse/result.js';
import { parseValue } from '../parse/value.js';
import { describeExit } from './exit-codes.js';
import type { Collected } from './kind.js';

/** What a format gets besides stdout: the check's declared metric, for `value`. */
export interface OutputContext {
  readonly metric:
    { readonly name: string; readonly type: 'gauge' | 'counter' | 'untyped'; readonly help: string } | undefined;
}

export interface OutputFormat {
  /** Exit statuses that still carry a measurement: 0 for most formats; Nagios plugins use 0-2. */
  readonly measures: (exitCode: number) => boolean;
  /** Label names the format puts on its samples (nagios: label); a check's `labels` may not set them. */
  readonly labels?: readonly string[];
  /** Pure: stdout (and the exit status) → families, or the reason the check fails. */
  readonly parse: (stdout: string, exitCode: number, ctx: OutputContext) => Collected;
  /**
   * Pure: why an exit status that does not measure fails the check. Default: the status in words
   * and the first line of stderr.
   */
  readonly failure?: (exitCode: number, stdout: string, stderr: string) => string;
}

const onlyZero = (code: number): boolean => code === 0;

const value: OutputFormat = {
  measures: onlyZero,
  parse(stdout, exitCode, { metric }) {
    const r = parseValue(stdout);
    if (!r.ok) return { ok: false, reason: `output: ${r.message}`, exitCode };
    const m = metric!;
    const family: MetricFamily = {
      name: m.name,
      type: m.type,
      help: m.help,
      samples: [{ name: m.name, labels: {}, value: r.value }],
    };
    return { ok: true, families: [family], exitCode };
  },
};

const prometheus: OutputFormat = {
  measures: onlyZero,
  parse(stdout, exitCode) {
    const r = parsePrometheusText(stdout);
    if (!r.ok) return { ok: false, reason: `output line ${r.line ?? '?'}: ${r.message}`, exitCode };
    const own = r.value.find((f) => f.name.startsWith(OWN_PREFIX));
    if (own)
      return {
        ok: false,
        reason: `output: metric name "${own.name}" is reserved for pushagent's own metrics`,
        exitCode,
      };
    const gateways = r.value.find((f) => GATEWAY_METRIC_NAMES.includes(f.name));
    if (gateways) {
      return {
        ok: false,
        reason: `output: metric name "${gateways.name}" is reserved: the Pushgateway sets it on every group itself and would overwrite it`,
        exitCode,
      };
    }
    const families = r.value.map((f) =>
      f.help ? f : { ...f, help: `Metric ${f.name} printed by a pushagent check.` },
    );
    return { ok: true, families, exitCode };
  },
};

/** Nagios plugins: 0 OK, 1 WARNING, 2 CRITICAL are measurements; 3 UNKNOWN and the rest fail. */
const nagios: OutputFormat = {
  labels: ['label'],
  measures: (code) => code >= 0 && code <= 2,
  parse(stdout, exitCode) {
    const r = parseNagiosOutput(stdout);
    if (!r.ok) return { ok: false, reason: `output line ${r.line ?? '?'}: ${r.message}`, exitCode };
    return { ok: true, families: nagiosFamilies(exitCode, r.value.perfdata), exitCode };
  },
  failure(exitCode, stdout, stderr) {
    // A plugin says why on stdout (Nagios reads nothing else); perfdata is not a reason.
    const said =
      firstLine(
        stdout
          .split('\n')
          .map((line) => line.split('|')[0])
          .join('\n'),
      ) ?? firstLine(stderr);
    const code = exitCode === 3 ? 'exit code 3 (UNKNOWN)' : describeExit(exitCode);
    return said === undefined ? code : `${code}: ${said}`;
  },
};

export const OUTPUTS = { value, prometheus, nagios } as const satisfies Record<string, OutputFormat>;

export type OutputName = keyof typeof OUTPUTS;

export const OUTPUT_NAMES = Object.keys(OUTPUTS) as [OutputName, ...OutputName[]];
