/** PUSHAGENT_METRICS_FILE's text: read as `output: prometheus`, invalid lines dropped one by one. */
import { describe, expect, it } from 'vitest';
import { jobMetrics, MAX_INVALID_LINES } from '../../src/job/metrics-file.js';

const RESERVED = ['job', 'instance', 'check', 'env'];

describe('jobMetrics', () => {
  it('reads families as output: prometheus does, with a help text when none is given', () => {
    const r = jobMetrics('# TYPE backup_bytes gauge\nbackup_bytes{volume="a"} 10\nbackup_files 3\n', RESERVED);
    expect(r.dropped).toEqual([]);
    expect(r.families).toEqual([
      {
        name: 'backup_bytes',
        type: 'gauge',
        help: 'Metric backup_bytes written by a batch job run by pushagent exec.',
        samples: [{ name: 'backup_bytes', labels: { volume: 'a' }, value: 10 }],
      },
      {
        name: 'backup_files',
        type: 'untyped',
        help: 'Metric backup_files written by a batch job run by pushagent exec.',
        samples: [{ name: 'backup_files', labels: {}, value: 3 }],
      },
    ]);
  });

  it('drops each invalid line with its number and keeps the rest; later lines keep their numbers', () => {
    const r = jobMetrics('a 1\nnot a metric\nb 2\na 3\nc{x="1"} 4 5 6\nd 7', RESERVED);
    expect(r.families.map((f) => [f.name, f.samples.map((s) => s.value)])).toEqual([
      ['a', [1]],
      ['b', [2]],
      ['d', [7]],
    ]);
    expect(r.dropped).toHaveLength(3);
    expect(r.dropped[0]).toMatch(/^line 2: /);
    expect(r.dropped[1]).toMatch(/^line 4: expected each series once, got a\{\} again \(first on line 1\)/);
    expect(r.dropped[2]).toMatch(/^line 5: /);
  });

  it('drops pushagent_ names and samples that set a label of the identity', () => {
    const r = jobMetrics('pushagent_job_success 1\nx{job="other"} 1\nx{env="prod"} 2\nx{ok="y"} 3\n', RESERVED);
    expect(r.families).toEqual([
      expect.objectContaining({ name: 'x', samples: [{ name: 'x', labels: { ok: 'y' }, value: 3 }] }),
    ]);
    expect(r.dropped).toEqual([
      'metric name "pushagent_job_success" is reserved for pushagent\'s own metrics',
      'x: label "job" is reserved: pushagent sets job, instance, check, env itself',
      'x: label "env" is reserved: pushagent sets job, instance, check, env itself',
    ]);
  });

  it(`keeps nothing past ${MAX_INVALID_LINES} invalid lines`, () => {
    const text = ['good 1', ...Array.from({ length: MAX_INVALID_LINES + 1 }, (_, i) => `bad${i} x`)].join('\n');
    const r = jobMetrics(text, RESERVED);
    expect(r.families).toEqual([]);
    expect(r.dropped).toHaveLength(MAX_INVALID_LINES + 1);
    expect(r.dropped.at(-1)).toMatch(/^line 22: .*; more than 20 invalid lines: nothing of the file is pushed$/);
  });

  it('an empty file is no metrics and no complaint', () => {
    expect(jobMetrics('', RESERVED)).toEqual({ families: [], dropped: [] });
  });
});
