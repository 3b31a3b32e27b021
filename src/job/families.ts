/**
 * The gauges `pushagent exec` pushes about a batch job (pure). Every report about a job is merged
 * into what the sink holds (Report.merge), so each gauge keeps its last value until a report
 * carries it again: a failure carries no success time, and the last success time survives it.
 */
import type { MetricFamily } from '../metrics/types.js';

export interface JobStart {
  readonly startedAtMs: number;
  /** `--expect-every`, for the alert on a job that has not succeeded for that long. */
  readonly expectedIntervalMs: number | undefined;
}

export interface JobEnd extends JobStart {
  readonly endedAtMs: number;
  /** The exit code, or 128+N when killed by signal N (126/127 when it could not be started). */
  readonly status: number;
}

const gauge = (name: string, help: string, value: number): MetricFamily => ({
  name,
  type: 'gauge',
  help,
  samples: [{ name, labels: {}, value }],
});

const seconds = (ms: number): number => ms / 1000;

/** `--start-push`: the job is running, since when. */
export function startFamilies(start: JobStart): MetricFamily[] {
  return [running(1), startTime(start), ...expected(start)];
}

/** The outcome: when it ended, how long it took, its status, and the time of this success or failure. */
export function endFamilies(end: JobEnd): MetricFamily[] {
  const success = end.status === 0;
  const at = seconds(end.endedAtMs);
  return [
    running(0),
    startTime(end),
    ...expected(end),
    gauge('pushagent_job_last_run_timestamp_seconds', 'When the job last ended, successfully or not (Unix time).', at),
    gauge(
      'pushagent_job_duration_seconds',
      'How long the last run of the job took, in seconds.',
      seconds(end.endedAtMs - end.startedAtMs),
    ),
    gauge(
      'pushagent_job_exit_code',
      'Exit status of the last run: its exit code, 128+N when killed by signal N, 126/127 when it could not be started.',
      end.status,
    ),
    gauge(
      'pushagent_job_success',
      'Whether the last run of the job succeeded (exit code 0): 1, or 0.',
      success ? 1 : 0,
    ),
    success
      ? gauge('pushagent_job_last_success_timestamp_seconds', 'When the job last ended successfully (Unix time).', at)
      : gauge('pushagent_job_last_failure_timestamp_seconds', 'When the job last ended in failure (Unix time).', at),
  ];
}

function running(value: 0 | 1): MetricFamily {
  return gauge(
    'pushagent_job_running',
    'Whether the job is running now (1, pushed at its start with --start-push) or not (0).',
    value,
  );
}

function startTime(start: JobStart): MetricFamily {
  return gauge(
    'pushagent_job_start_timestamp_seconds',
    'When the last run of the job started (Unix time).',
    seconds(start.startedAtMs),
  );
}

function expected(start: JobStart): MetricFamily[] {
  if (start.expectedIntervalMs === undefined) return [];
  return [
    gauge(
      'pushagent_job_expected_interval_seconds',
      'How often the job is expected to succeed (--expect-every), in seconds.',
      seconds(start.expectedIntervalMs),
    ),
  ];
}
