/**
 * What a batch job wrote to PUSHAGENT_METRICS_FILE, read as `output: prometheus` reads a check's
 * stdout (pure). The difference: the job's outcome is pushed whatever the file holds, so an invalid
 * line is reported and dropped (blanked, so that later lines keep their numbers, and the text is
 * parsed again), not a reason to drop everything. Past MAX_INVALID_LINES, nothing of the file is kept.
 */
import type { MetricFamily } from '../metrics/types.js';
import { OWN_PREFIX } from '../metrics/names.js';
import { parsePrometheusText } from '../parse/prometheus.js';
import { quote } from '../parse/result.js';

export const MAX_INVALID_LINES = 20;

export interface JobMetrics {
  readonly families: MetricFamily[];
  /** One message per line or series dropped: `line N: why`. */
  readonly dropped: string[];
}

/** `reservedLabels`: job, instance, check and the configured labels, which the identity sets. */
export function jobMetrics(text: string, reservedLabels: readonly string[]): JobMetrics {
  const lines = text.split('\n');
  const dropped: string[] = [];
  for (;;) {
    const r = parsePrometheusText(lines.join('\n'));
    if (r.ok) return { families: checked(r.value, reservedLabels, dropped), dropped };
    if (r.line === undefined || dropped.length >= MAX_INVALID_LINES) {
      dropped.push(
        `${r.line === undefined ? '' : `line ${r.line}: `}${r.message}; more than ${MAX_INVALID_LINES} invalid lines: nothing of the file is pushed`,
      );
      return { families: [], dropped };
    }
    dropped.push(`line ${r.line}: ${r.message}`);
    lines[r.line - 1] = '';
  }
}

/** Families under pushagent's own prefix, and samples that set a label of the identity, are dropped. */
function checked(families: readonly MetricFamily[], reserved: readonly string[], dropped: string[]): MetricFamily[] {
  const kept: MetricFamily[] = [];
  for (const family of families) {
    if (family.name.startsWith(OWN_PREFIX)) {
      dropped.push(`metric name ${quote(family.name)} is reserved for pushagent's own metrics`);
      continue;
    }
    const samples = family.samples.filter((s) => {
      const label = reserved.find((l) => l in s.labels);
      if (label !== undefined)
        dropped.push(`${s.name}: label "${label}" is reserved: pushagent sets ${reserved.join(', ')} itself`);
      return label === undefined;
    });
    if (samples.length > 0)
      kept.push({
        ...family,
        help: family.help || `Metric ${family.name} written by a batch job run by pushagent exec.`,
        samples,
      });
  }
  return kept;
}
