/**
 * `pushgateway.grouping: host`: the body of a host's one group, made of every check's latest part
 * (and the agent's own metrics). Pure: inputs are never mutated.
 */
import type { MetricFamily } from '../metrics/types.js';

/** A check's families with `check` on every sample; the agent's own (check undefined) as they are. */
export function withCheckLabel(check: string | undefined, families: readonly MetricFamily[]): MetricFamily[] {
  if (check === undefined) return [...families];
  return families.map((f) => ({ ...f, samples: f.samples.map((s) => ({ ...s, labels: { ...s.labels, check } })) }));
}

/** `part` with `update`'s families put in place of its families of the same names (a report with `merge`). */
export function mergePart(part: readonly MetricFamily[], update: readonly MetricFamily[]): MetricFamily[] {
  const names = new Set(update.map((f) => f.name));
  return [...part.filter((f) => !names.has(f.name)), ...update];
}

export interface HostBody {
  /** One family per name: the samples of every part, under the first part's HELP and TYPE. */
  readonly families: MetricFamily[];
  /** Families left out because an earlier part has the name with another type: `check/name`. */
  readonly conflicts: string[];
}

/**
 * The parts (in the order given: the caller sorts them) merged into one family per name, so that
 * the body has one HELP and TYPE per name (the serializer sorts the samples). A family whose type
 * differs from the one already taken is left out and named in `conflicts`: the gateway would refuse
 * the whole body otherwise.
 */
export function hostBody(parts: Iterable<readonly [string, readonly MetricFamily[]]>): HostBody {
  const byName = new Map<string, { family: MetricFamily; samples: MetricFamily['samples'][number][] }>();
  const conflicts: string[] = [];
  for (const [owner, families] of parts) {
    for (const f of families) {
      const seen = byName.get(f.name);
      if (!seen) byName.set(f.name, { family: f, samples: [...f.samples] });
      else if (seen.family.type !== f.type) conflicts.push(`${owner}/${f.name}`);
      else seen.samples.push(...f.samples);
    }
  }
  const families = [...byName.values()].map(({ family, samples }) => ({ ...family, samples }));
  return { families, conflicts };
}
