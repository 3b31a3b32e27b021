/** The health gauges the framework pushes with every check result (STYLE rule 5). */
import type { Labels, MetricFamily } from './types.js';

export interface CheckHealth {
  readonly success: boolean;
  readonly durationSeconds: number;
  /** -1 when the process was killed or never started. */
  readonly exitCode: number;
  readonly timedOut: boolean;
}

const gauge = (name: string, help: string, labels: Labels, value: number): MetricFamily => ({
  name,
  type: 'gauge',
  help,
  samples: [{ name, labels, value }],
});

export function healthFamilies(h: CheckHealth, labels: Labels): MetricFamily[] {
  return [
    gauge('pushagent_check_success', 'Whether the check succeeded (1) or failed (0).', labels, h.success ? 1 : 0),
    gauge('pushagent_check_duration_seconds', 'How long the check ran, in seconds.', labels, h.durationSeconds),
    gauge(
      'pushagent_check_exit_code',
      'Exit code of the check command; -1 when it was killed or never started.',
      labels,
      h.exitCode,
    ),
    gauge(
      'pushagent_check_timed_out',
      'Whether the check was killed at its timeout (1) or not (0).',
      labels,
      h.timedOut ? 1 : 0,
    ),
  ];
}
