/**
 * Runs one check and never throws (STYLE rule 5): a failure is a result with `success: false` and a
 * reason, never silence. Enforces the timeout for every kind: the result is reported at the
 * timeout, while the kind cleans up (kills its process group) on the aborted signal.
 */
import { kindNamed } from '../checks/registry.js';
import type { Collected } from '../checks/kind.js';
import type { ProcessTable } from '../checks/process.js';
import type { CheckDef } from '../config/check-def.js';
import { formatDuration } from '../common/duration.js';
import { withLabels } from '../metrics/labels.js';
import type { MetricFamily } from '../metrics/types.js';

export interface CheckResult {
  readonly check: CheckDef;
  /** When the run started, in ms since the epoch. */
  readonly startedAtMs: number;
  readonly success: boolean;
  readonly durationSeconds: number;
  readonly exitCode: number;
  readonly timedOut: boolean;
  /** The check's own families with its labels applied; empty when it failed. */
  readonly families: readonly MetricFamily[];
  /** Why it failed, for logs and the summary line. */
  readonly error: string | undefined;
}

export interface RunCheckDeps {
  readonly maxOutputBytes: number;
  /** Where /proc is (default `/proc`). */
  readonly procRoot?: string;
  /** One per agent: process groups being ended share its reads of /proc. */
  readonly processes?: ProcessTable;
  /** Label names no sample may carry: the grouping key's. */
  readonly reservedLabels: readonly string[];
  /** Monotonic milliseconds. */
  readonly now?: () => number;
  /** Wall-clock milliseconds since the epoch. */
  readonly clock?: () => number;
}

const TIMED_OUT = Symbol('timed out');

export async function runCheck(def: CheckDef, deps: RunCheckDeps): Promise<CheckResult> {
  const now = deps.now ?? performance.now.bind(performance);
  const startedAtMs = (deps.clock ?? Date.now)();
  const started = now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), def.timeoutMs);
  });
  const ctx = {
    signal: controller.signal,
    killGraceMs: def.killGraceMs,
    maxOutputBytes: deps.maxOutputBytes,
    procRoot: deps.procRoot ?? '/proc',
    processes: deps.processes,
  };
  const collecting = Promise.resolve()
    .then(() => kindNamed(def.kind).collect(def.spec, ctx))
    .catch((err: unknown): Collected => ({
      ok: false,
      reason: `internal error: ${(err as Error)?.message ?? String(err)}`,
      exitCode: -1,
    }));
  const outcome = await Promise.race([collecting, deadline]);
  clearTimeout(timer);
  // Microseconds are all a duration gauge can honestly claim; the rest is float noise.
  const durationSeconds = Math.round((now() - started) * 1000) / 1e6;
  const base = { check: def, startedAtMs, durationSeconds };
  if (outcome === TIMED_OUT) {
    controller.abort();
    const reason = `timed out after ${formatDuration(def.timeoutMs)}`;
    return { ...base, success: false, exitCode: -1, timedOut: true, families: [], error: reason };
  }
  if (!outcome.ok) {
    return {
      ...base,
      success: false,
      exitCode: outcome.exitCode ?? -1,
      timedOut: false,
      families: [],
      error: outcome.reason,
    };
  }
  const labelled = withLabels(outcome.families, def.labels, deps.reservedLabels);
  if (!labelled.ok) {
    return {
      ...base,
      success: false,
      exitCode: outcome.exitCode ?? 0,
      timedOut: false,
      families: [],
      error: labelled.reason,
    };
  }
  return {
    ...base,
    success: true,
    exitCode: outcome.exitCode ?? 0,
    timedOut: false,
    families: labelled.families,
    error: undefined,
  };
}
