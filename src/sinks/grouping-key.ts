/** A push's grouping key and its Pushgateway URL path (pure). */

export interface GroupingKey {
  readonly job: string;
  /** instance, check (absent for the agent's own group), then the configured labels sorted by name. */
  readonly labels: readonly (readonly [string, string])[];
}

export function groupingKey(
  job: string,
  instance: string | undefined,
  check: string | undefined,
  extra: Readonly<Record<string, string>>,
): GroupingKey {
  const rest = Object.entries(extra).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const own: [string, string][] = [];
  // No instance: a service-level batch job's group (`pushagent exec` without --instance).
  if (instance !== undefined) own.push(['instance', instance]);
  if (check !== undefined) own.push(['check', check]);
  return { job, labels: [...own, ...rest] };
}

/** The key of a group as the gateway lists it, in our order: job, instance, check, the rest by name. */
export function keyFromLabels(labels: Readonly<Record<string, string>>): GroupingKey {
  const { job = '', instance, check, ...rest } = labels;
  const extra = Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const own: [string, string][] = [];
  if (instance !== undefined) own.push(['instance', instance]);
  if (check !== undefined) own.push(['check', check]);
  return { job, labels: [...own, ...extra] };
}

/** The same string for the same label set, whatever order the labels come in. */
export function canonicalKey(key: GroupingKey): string {
  return JSON.stringify([['job', key.job], ...[...key.labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

const PLAIN_RE = /^[A-Za-z0-9_.~-]+$/;

/**
 * `/metrics/job/<job>/<label>/<value>...`. A value that is not plainly safe in a path segment
 * (`/`, spaces, `.`, `..`, empty, unicode, ...) is sent as `<label>@base64/<base64url>`, the
 * Pushgateway's own escape; an empty value is `=`, as its README requires.
 */
export function groupPath(key: GroupingKey): string {
  const parts = [segment('job', key.job), ...key.labels.map(([n, v]) => segment(n, v))];
  return `/metrics/${parts.join('/')}`;
}

function segment(name: string, value: string): string {
  if (PLAIN_RE.test(value) && value !== '.' && value !== '..') return `${name}/${value}`;
  if (value === '') return `${name}@base64/=`;
  return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url')}`;
}

/** `job="pushagent",instance="web01",check="disk"` for comments and logs. */
export function describeKey(key: GroupingKey): string {
  return [['job', key.job] as const, ...key.labels].map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(',');
}
