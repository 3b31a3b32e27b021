/**
 * The one per-run pipeline `once` and `run` share: a check's result becomes a report (its families
 * and the health gauges the framework adds to every run), and every sink gets it.
 */
import { healthFamilies } from '../metrics/health.js';
import type { AgentStats } from '../metrics/agent-stats.js';
import type { DeliveryOutcome, Identity, Report, Sink } from '../sinks/sink.js';
import type { CheckResult } from './run-check.js';

/** Pure: the report of one run. A failed run carries its health gauges only. */
export function reportOf(result: CheckResult, identity: Identity): Report {
  return {
    identity,
    check: result.check.name,
    families: [...result.families, ...healthFamilies(result, result.check.labels)],
    timeMs: result.startedAtMs,
  };
}

/** The agent's own metrics (and every sink's), as the report of no check. */
export function agentReport(identity: Identity, stats: AgentStats, sinks: readonly Sink[], nowMs: number): Report {
  return {
    identity,
    check: undefined,
    families: [...stats.families(), ...sinks.flatMap((s) => s.families?.() ?? [])],
    timeMs: nowMs,
  };
}

/** Writes `report` to every sink at once: one slow or down never delays another. */
export function deliver(report: Report, sinks: readonly Sink[]): Promise<DeliveryOutcome[]> {
  return Promise.all(sinks.map((s) => s.write(report)));
}
