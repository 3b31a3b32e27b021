/** Keys every check has, whatever its kind; the kind's own keys are merged in (checks/registry.ts). */
import { Cron } from 'croner';
import * as z from 'zod';
import type { CheckKind } from '../checks/kind.js';
import { describeValue } from '../errors.js';
import { CHECK_NAME_RE } from '../metrics/names.js';
import { duration, labels } from '../common/fields.js';

/** A schedule that opts in to splay runs at most this long after each of its times. */
export const CRON_SPLAY_CAP_MS = 60_000;

/** Six blank-separated fields: what cronProblem counts, as a regex. */
const SIX_FIELDS_RE = /^\s*\S+(?:\s+\S+){5}\s*$/;

export const commonShape = {
  name: z
    .string({ error: (iss) => `expected a check name, got ${describeValue(iss.input)}` })
    .regex(CHECK_NAME_RE, {
      error: (iss) => `invalid check name ${describeValue(iss.input)}: expected [a-zA-Z_][a-zA-Z0-9_]*`,
    })
    .describe(
      "The check's name, unique across all check files: the `check` label of its group. [a-zA-Z_][a-zA-Z0-9_]*.",
    ),
  interval: duration
    .optional()
    .describe(
      "How often the check runs (500ms, 15s, 1m, 1m30s, 1h...), in slots on the wall clock (n × interval, plus its phase with `splay`). Default: the config's defaults.interval (15s). Not together with `schedule`.",
    ),
  schedule: z
    .string({ error: (iss) => `expected a 6-field cron expression (seconds first), got ${describeValue(iss.input)}` })
    // The field count as a regex too, so that the JSON Schema carries it; `abort` keeps it to one message.
    .regex(SIX_FIELDS_RE, { abort: true, error: (iss) => cronProblem(String(iss.input)) })
    .superRefine((expr, ctx) => {
      const problem = cronProblem(expr);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional()
    .describe(
      'When the check runs, as a 6-field cron expression with seconds first, e.g. "0 */5 * * * *". Instead of `interval`.',
    ),
  splay: z
    .boolean({ error: (iss) => `expected true or false, got ${describeValue(iss.input)}` })
    .optional()
    .describe(
      "Run at a phase inside the interval that is stable for this host and check (a hash of both), so that a fleet's runs and pushes spread. Default: the config's `splay` (true) for an `interval`; false for a `schedule`, where true runs it at a stable delay after each time, under the shortest gap between its runs and at most 1m.",
    ),
  timeout: duration
    .optional()
    .describe(
      "A run still going after this is timed out: its process group gets SIGTERM, then SIGKILL after kill_grace. At most the interval (for a schedule: the shortest gap between its runs). Default: the config's defaults.timeout, capped at the interval; for ping, what a run needs plus 1s.",
    ),
  kill_grace: duration
    .optional()
    .describe(
      "How long after SIGTERM at the timeout the process group gets SIGKILL. Default: the config's defaults.kill_grace (2s).",
    ),
  labels: labels
    .default({})
    .describe(
      "Labels added to every sample of this check, health gauges included. Numbers and booleans are kept as written. Not job, instance, check, a label of the config's `labels`, nor one the check sets itself (ping: target, tcp: state, output nagios: label).",
    ),
};

/** The schema of one check of `kind`: the common keys and the kind's own, strict. Also the JSON Schema's source. */
export function checkSchemaOf(kind: CheckKind<unknown>) {
  return z.strictObject({ ...commonShape, ...kind.shape });
}

/** Why `expr` is not a usable schedule, or undefined. Exactly six fields: seconds come first. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/).length;
  if (fields !== 6)
    return `expected a 6-field cron expression (seconds minutes hours day-of-month month day-of-week), got ${fields} fields in "${expr}"`;
  try {
    new Cron(expr, { paused: true }).stop();
    return undefined;
  } catch (err) {
    return `invalid cron expression "${expr}": ${(err as Error).message}`;
  }
}

/** The shortest gap between runs of a cron schedule over its next 100 runs, in ms. */
export function shortestCronGapMs(expr: string, from: Date = new Date()): number {
  const cron = new Cron(expr, { paused: true });
  const runs = cron.nextRuns(100, from).map((d) => d.getTime());
  cron.stop();
  let gap = Infinity;
  for (let i = 1; i < runs.length; i++) gap = Math.min(gap, runs[i]! - runs[i - 1]!);
  return gap;
}
