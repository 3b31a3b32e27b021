/** The agent's tick: how often a sink that batches a host's results may send them. Pure. */
import type { CheckDef } from '../config/check-def.js';
import { shortestCronGapMs } from '../config/check-schema.js';

/** A tick is never shorter than this. */
export const MIN_TICK_MS = 1000;

/**
 * The shortest period of `checks` (an interval, or a schedule's shortest gap), at least MIN_TICK_MS; MIN_TICK_MS
 * without checks.
 */
export function tickOf(checks: readonly CheckDef[]): number {
  const periods = checks.map((c) =>
    c.schedule.kind === 'interval' ? c.schedule.ms : shortestCronGapMs(c.schedule.expr),
  );
  const shortest = Math.min(Number.POSITIVE_INFINITY, ...periods);
  return Number.isFinite(shortest) ? Math.max(MIN_TICK_MS, shortest) : MIN_TICK_MS;
}
