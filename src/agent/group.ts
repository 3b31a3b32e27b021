/** A check result as one push: its grouping key and its exposition body (pure). */
import { serialize } from '../expose/text.js';
import { healthFamilies } from '../metrics/health.js';
import { groupingKey, type GroupingKey } from '../sinks/grouping-key.js';
import type { CheckResult } from './run-check.js';

export interface PushTarget {
  readonly job: string;
  readonly instance: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function resultGroup(result: CheckResult, target: PushTarget): { key: GroupingKey; body: string } {
  const key = groupingKey(target.job, target.instance, result.check.name, target.labels);
  const body = serialize([...result.families, ...healthFamilies(result, result.check.labels)]);
  return { key, body };
}
