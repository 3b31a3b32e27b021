/**
 * Groups of this job and instance that no current check (nor the agent itself) owns: a renamed or
 * removed check, or changed grouping labels, must never leave series behind forever.
 */
import { canonicalKey, keyFromLabels, type GroupingKey } from '../sinks/grouping-key.js';

/** Pure: the listed groups (label sets) that belong to `job`/`instance` and are not in `current`. */
export function staleGroups(
  listed: readonly Readonly<Record<string, string>>[],
  job: string,
  instance: string,
  current: readonly GroupingKey[],
): GroupingKey[] {
  const keep = new Set(current.map(canonicalKey));
  return listed
    .filter((labels) => labels.job === job && labels.instance === instance)
    .map(keyFromLabels)
    .filter((key) => !keep.has(canonicalKey(key)));
}
