/** A batch job's report (`pushagent exec`) in a text file: a file of its own, named by `batch_job`. */
import { describe, expect, it } from 'vitest';
import { fileText, jobFileName } from '../../src/sinks/textfile.js';

describe('textfile, batch jobs', () => {
  it('one file per job; a name outside [A-Za-z0-9_] made safe, and distinct by a hash', () => {
    expect(jobFileName('backup')).toBe('pushagent_job_backup.prom');
    expect(jobFileName('db/dump nightly')).toMatch(/^pushagent_job_db_dump_nightly_[0-9a-f]{8}\.prom$/);
    expect(jobFileName('db-dump')).not.toBe(jobFileName('db_dump'));
  });

  it('samples carry batch_job and the configured labels, never job or instance; the file keeps what was not sent', () => {
    const report = {
      identity: { job: 'backup', instance: undefined, labels: { env: 'prod' } },
      check: undefined,
      families: [
        {
          name: 'pushagent_job_success',
          type: 'gauge' as const,
          help: 'h',
          samples: [{ name: 'pushagent_job_success', labels: {}, value: 0 }],
        },
      ],
      timeMs: 0,
      merge: true,
      batchJob: true,
    };
    const kept = [
      {
        name: 'pushagent_job_last_success_timestamp_seconds',
        type: 'gauge' as const,
        help: 'h',
        samples: [
          {
            name: 'pushagent_job_last_success_timestamp_seconds',
            labels: { batch_job: 'backup', env: 'prod' },
            value: 5,
          },
        ],
      },
    ];
    expect(fileText(report, kept)).toBe(
      '# pushagent: job="backup"\n' +
        '# HELP pushagent_job_last_success_timestamp_seconds h\n# TYPE pushagent_job_last_success_timestamp_seconds gauge\n' +
        'pushagent_job_last_success_timestamp_seconds{batch_job="backup",env="prod"} 5\n' +
        '# HELP pushagent_job_success h\n# TYPE pushagent_job_success gauge\npushagent_job_success{batch_job="backup",env="prod"} 0\n',
    );
  });
});
