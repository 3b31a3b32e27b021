/** Prometheus name rules (classic, text format 0.0.4). Names are validated, never rewritten. */

export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const CHECK_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isMetricName(name: string): boolean {
  return METRIC_NAME_RE.test(name);
}

export function isLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name) && !name.startsWith('__');
}

/** The prefix of pushagent's own metrics; checks may not emit names under it. */
export const OWN_PREFIX = 'pushagent_';
