/**
 * What a pulled output (a node_exporter text file, pushagent's own /metrics) exposes of a report:
 * every sample carries `check` and the configured labels, never `job` or `instance` (the scrape
 * sets those; a batch job's is `batch_job`) and never a timestamp. Pure.
 */
import type { MetricFamily } from '../metrics/types.js';
import type { Report } from './sink.js';

/** The report's families with `check` (when the report is a check's) and the configured labels on every sample. */
export function exposedFamilies(report: Report): MetricFamily[] {
  const own: Record<string, string> = {
    ...report.identity.labels,
    ...(report.check === undefined ? {} : { check: report.check }),
    ...(report.batchJob ? { batch_job: report.identity.job } : {}),
  };
  return report.families.map((f) => ({
    ...f,
    samples: f.samples.map((s) => ({ ...s, labels: { ...s.labels, ...own } })),
  }));
}

/** A family left out because another report already exposes that name with another type. */
export interface Conflict {
  readonly family: string;
  /** The check whose family was left out ('' for the agent's own metrics). */
  readonly check: string;
  readonly type: string;
  readonly kept: string;
}

/**
 * One family per name across reports, as one exposition needs (each HELP and TYPE once): samples
 * joined, HELP and TYPE of the first report in `sources` order. A family of another type under the
 * same name cannot join: it is left out and returned as a conflict.
 */
export function mergeFamilies(
  sources: readonly { readonly check: string; readonly families: readonly MetricFamily[] }[],
): { families: MetricFamily[]; conflicts: Conflict[] } {
  const byName = new Map<string, MetricFamily>();
  const conflicts: Conflict[] = [];
  for (const { check, families } of sources) {
    for (const f of families) {
      const seen = byName.get(f.name);
      if (!seen) byName.set(f.name, f);
      else if (seen.type !== f.type) conflicts.push({ family: f.name, check, type: f.type, kept: seen.type });
      else byName.set(f.name, { ...seen, samples: [...seen.samples, ...f.samples] });
    }
  }
  return { families: [...byName.values()], conflicts };
}

/** Whether an Accept-Encoding header lets the answer be gzipped (`gzip` or `*` with a q above 0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part
      .trim()
      .split(';')
      .map((p) => p.trim());
    if (coding.toLowerCase() !== 'gzip' && coding !== '*') return false;
    const q = params.find((p) => /^q=/i.test(p));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
