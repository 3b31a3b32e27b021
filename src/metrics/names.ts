/** Prometheus name rules (classic, text format 0.0.4). Names are validated, never rewritten. */

export const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const CHECK_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isMetricName(name: string): boolean {
  return METRIC_NAME_RE.test(name);
}

/** A label name a user may set: a valid one not starting with `__` (reserved for Prometheus' own use). */
export const USER_LABEL_NAME_RE = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The prefix of pushagent's own metrics; checks may not emit names under it. */
export const OWN_PREFIX = 'pushagent_';

/**
 * The metrics the Pushgateway sets on every group itself (when it was last pushed to, when a push
 * last failed): a pushed one is overwritten without a word.
 */
export const GATEWAY_METRIC_NAMES: readonly string[] = ['push_time_seconds', 'push_failure_time_seconds'];

/** A metric name a check may declare: a valid one outside pushagent's own prefix and not one the gateway sets. */
export const CHECK_METRIC_NAME_RE = new RegExp(
  `^(?!${OWN_PREFIX})(?!(?:${GATEWAY_METRIC_NAMES.join('|')})$)${METRIC_NAME_RE.source.slice(1)}`,
);
