/** Keys every check has, whatever its kind; the kind's own keys are merged in (checks/registry.ts). */
import { Cron } from 'croner';
import { z } from 'zod';
import { describeValue } from '../errors.js';
import { CHECK_NAME_RE } from '../metrics/names.js';
import { duration, labels } from './fields.js';

export const commonShape = {
  name: z
    .string({ error: (iss) => `expected a check name, got ${describeValue(iss.input)}` })
    .regex(CHECK_NAME_RE, { error: (iss) => `invalid check name ${describeValue(iss.input)}: expected [a-zA-Z_][a-zA-Z0-9_]*` }),
  interval: duration.optional(),
  schedule: z
    .string({ error: (iss) => `expected a 6-field cron expression (seconds first), got ${describeValue(iss.input)}` })
    .superRefine((expr, ctx) => {
      const problem = cronProblem(expr);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  timeout: duration.optional(),
  kill_grace: duration.optional(),
  labels: labels.default({}),
};

/** Why `expr` is not a usable schedule, or undefined. Exactly six fields: seconds come first. */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/).length;
  if (fields !== 6) return `expected a 6-field cron expression (seconds minutes hours day-of-month month day-of-week), got ${fields} fields in "${expr}"`;
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
