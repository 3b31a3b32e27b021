/** Adding a check's labels to the samples it produced: pure, and strict about conflicts. */
import type { Labels, MetricFamily } from './types.js';

export type LabelResult = { ok: true; families: MetricFamily[] } | { ok: false; reason: string };

/**
 * `extra` on every sample. A sample may not carry a reserved label (the grouping key's), nor set a
 * label of `extra` to another value: the measurement would be ambiguous, so the check fails.
 */
export function withLabels(families: readonly MetricFamily[], extra: Labels, reserved: readonly string[]): LabelResult {
  const out: MetricFamily[] = [];
  for (const f of families) {
    const samples = [];
    for (const s of f.samples) {
      const bad = Object.keys(s.labels).find((l) => reserved.includes(l));
      if (bad !== undefined)
        return {
          ok: false,
          reason: `output: label "${bad}" of ${s.name} is reserved for the grouping key (${reserved.join(', ')})`,
        };
      for (const [name, value] of Object.entries(extra)) {
        const own = s.labels[name];
        if (own !== undefined && own !== value) {
          return {
            ok: false,
            reason: `output: ${s.name} sets label ${name}="${own}" but the check's labels set ${name}="${value}"`,
          };
        }
      }
      samples.push({ ...s, labels: { ...s.labels, ...extra } });
    }
    out.push({ ...f, samples });
  }
  return { ok: true, families: out };
}
