/** The gauges of a batch job's start and outcome. */
import { describe, expect, it } from 'vitest';
import { endFamilies, startFamilies } from '../../src/job/families.js';
import type { MetricFamily } from '../../src/metrics/types.js';

const values = (families: MetricFamily[]) => Object.fromEntries(families.map((f) => [f.name, f.samples[0]!.value]));

describe('job families', () => {
  it('a success: its time, no failure time; all gauges without labels (the identity adds them)', () => {
    const families = endFamilies({
      startedAtMs: 1_000_000,
      endedAtMs: 1_002_500,
      status: 0,
      expectedIntervalMs: 90_000_000,
    });
    expect(values(families)).toEqual({
      pushagent_job_running: 0,
      pushagent_job_start_timestamp_seconds: 1000,
      pushagent_job_expected_interval_seconds: 90_000,
      pushagent_job_last_run_timestamp_seconds: 1002.5,
      pushagent_job_duration_seconds: 2.5,
      pushagent_job_exit_code: 0,
      pushagent_job_success: 1,
      pushagent_job_last_success_timestamp_seconds: 1002.5,
    });
    expect(
      families.every(
        (f) => f.type === 'gauge' && f.help !== '' && f.samples.every((s) => Object.keys(s.labels).length === 0),
      ),
    ).toBe(true);
  });

  it('a failure: its time, no success time (so a merged push keeps the last one); no interval unless given', () => {
    const v = values(endFamilies({ startedAtMs: 0, endedAtMs: 1000, status: 143, expectedIntervalMs: undefined }));
    expect(v).toMatchObject({
      pushagent_job_success: 0,
      pushagent_job_exit_code: 143,
      pushagent_job_last_failure_timestamp_seconds: 1,
    });
    expect(v).not.toHaveProperty('pushagent_job_last_success_timestamp_seconds');
    expect(v).not.toHaveProperty('pushagent_job_expected_interval_seconds');
  });

  it('--start-push: running 1 and the start time only', () => {
    expect(values(startFamilies({ startedAtMs: 5000, expectedIntervalMs: 60_000 }))).toEqual({
      pushagent_job_running: 1,
      pushagent_job_start_timestamp_seconds: 5,
      pushagent_job_expected_interval_seconds: 60,
    });
  });
});
