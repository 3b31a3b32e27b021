/**
 * The textfile sink in-process against a temporary folder: file names and text, atomic replacement
 * with mode 0644 under any umask, merge, and cleaning up only this agent's files. node_exporter
 * itself reads them in test/e2e/textfile.test.ts.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { AgentStats } from '../../src/metrics/agent-stats.js';
import { healthFamilies } from '../../src/metrics/health.js';
import type { MetricFamily } from '../../src/metrics/types.js';
import { parsePrometheusText } from '../../src/parse/prometheus.js';
import type { Identity, Report, SinkContext } from '../../src/sinks/sink.js';
import { fileName, fileText, header, ownerOf, TextfileSink } from '../../src/sinks/textfile.js';
import { workdir } from '../helpers/workdir.js';

const ID: Identity = { job: 'pushagent', instance: 'web01', labels: { dc: 'fra' } };
const gauge = (name: string, value: number, labels: Record<string, string> = {}): MetricFamily => ({
  name,
  type: 'gauge',
  help: `${name} help`,
  samples: [{ name, labels, value }],
});
const health = (success: boolean) =>
  healthFamilies({ success, durationSeconds: 0.5, exitCode: success ? 0 : 3, timedOut: false }, {});
const report = (check: string | undefined, families: MetricFamily[], more: Partial<Report> = {}): Report => ({
  identity: ID,
  check,
  families,
  timeMs: 1_796_000_000_000,
  ...more,
});

function ctx(out: string[] = []): SinkContext {
  return {
    mode: 'run',
    dryRun: false,
    stdout: (t) => out.push(t),
    log: createLogger({ level: 'error', json: false, write: () => {} }),
    stats: new AgentStats('0'),
    version: '0',
  };
}

describe('textfile text (pure)', () => {
  it('names files recognisably; samples carry check and the configured labels, never job, instance or a timestamp', () => {
    expect([fileName('disk_root'), fileName(undefined)]).toEqual(['pushagent_disk_root.prom', 'pushagent.prom']);
    const text = fileText(report('disk', [gauge('disk_free_bytes', 3, { mount: '/' }), ...health(true)]));
    expect(text.split('\n').slice(0, 4)).toEqual([
      '# pushagent: job="pushagent",instance="web01",check="disk"',
      '# HELP disk_free_bytes disk_free_bytes help',
      '# TYPE disk_free_bytes gauge',
      'disk_free_bytes{check="disk",dc="fra",mount="/"} 3',
    ]);
    expect(
      text
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n'),
    ).not.toMatch(/\b(job|instance)=/);
    const parsed = parsePrometheusText(text);
    expect(parsed.ok).toBe(true);
    // No timestamps: every sample line is `name{labels} value`.
    for (const line of text.split('\n').filter((l) => l !== '' && !l.startsWith('#')))
      expect(line).toMatch(/^\S+\{[^}]*\} \S+$/);
  });

  it('the first line names the writer, and reads back', () => {
    expect(ownerOf(header(ID, 'x'))).toEqual({ job: 'pushagent', instance: 'web01', check: 'x' });
    expect(ownerOf(header({ ...ID, instance: undefined, job: 'we"ird' }, undefined))).toEqual({ job: 'we"ird' });
    expect(ownerOf('# HELP x y\n')).toBeUndefined();
  });

  it('health gauges have the same HELP and TYPE in every file (node_exporter merges them into one family)', () => {
    const meta = (t: string) => t.split('\n').filter((l) => /^# (HELP|TYPE) pushagent_check_/.test(l));
    expect(meta(fileText(report('a', health(true))))).toEqual(
      meta(fileText(report('b', [gauge('b_value', 1), ...health(false)]))),
    );
  });
});

describe('TextfileSink', () => {
  let umask: number | undefined;
  afterEach(() => {
    if (umask !== undefined) process.umask(umask);
    umask = undefined;
  });

  it('writes atomically with mode 0644 whatever the umask, leaving no temporary file', async () => {
    const dir = await workdir({});
    umask = process.umask(0o077);
    const sink = new TextfileSink(dir, ctx());
    expect(await sink.write(report('disk', [gauge('disk_free_bytes', 3), ...health(true)]))).toEqual({
      target: dir,
      ok: true,
    });
    expect(await readdir(dir)).toEqual(['pushagent_disk.prom']);
    expect(((await stat(path.join(dir, 'pushagent_disk.prom'))).mode & 0o777).toString(8)).toBe('644');
    // Many writes at once to one file: each a whole file, the last one wins.
    await Promise.all([1, 2, 3, 4, 5].map((v) => sink.write(report('disk', [gauge('disk_free_bytes', v)]))));
    expect(await readFile(path.join(dir, 'pushagent_disk.prom'), 'utf8')).toContain(
      'disk_free_bytes{check="disk",dc="fra"} 5\n',
    );
    expect(await readdir(dir)).toEqual(['pushagent_disk.prom']);
    expect(await sink.close()).toBe(true);
  });

  it('a failed run writes its health gauges only; a merged report keeps the other families of the file', async () => {
    const dir = await workdir({});
    const sink = new TextfileSink(dir, ctx());
    await sink.write(
      report('backup', [
        gauge('backup_last_success_timestamp_seconds', 1000),
        gauge('backup_bytes', 5),
        ...health(true),
      ]),
    );
    await sink.write(report('backup', [gauge('backup_bytes', 7), ...health(false)], { merge: true }));
    const merged = await readFile(path.join(dir, 'pushagent_backup.prom'), 'utf8');
    expect(merged).toContain('backup_last_success_timestamp_seconds{check="backup",dc="fra"} 1000\n');
    expect(merged).toContain('backup_bytes{check="backup",dc="fra"} 7\n');
    expect(merged).toContain('pushagent_check_success{check="backup",dc="fra"} 0\n');
    expect(parsePrometheusText(merged).ok).toBe(true);
    await sink.write(report('backup', health(false)));
    const replaced = await readFile(path.join(dir, 'pushagent_backup.prom'), 'utf8');
    expect(replaced).not.toContain('backup_');
  });

  it("remove and purge delete only this job and instance's files of checks not kept; other files stay", async () => {
    const dir = await workdir({
      'node_custom.prom': 'x 1\n',
      'pushagent_notes.txt': 'mine\n',
      'pushagent_other_host.prom': `${header({ ...ID, instance: 'web02' }, 'other_host')}x 1\n`,
      'pushagent_unmarked.prom': 'x 1\n',
    });
    const sink = new TextfileSink(dir, ctx());
    for (const c of ['a', 'b', 'c']) await sink.write(report(c, health(true)));
    await sink.write(report(undefined, [gauge('pushagent_build_info', 1)]));
    expect((await sink.remove(ID, 'c')).ok).toBe(true);
    expect(await sink.remove(ID, 'never_written')).toEqual({ target: dir, ok: true });
    const purged = await sink.purge(ID, { checks: ['a'], agent: true });
    expect(purged).toEqual([{ target: dir, ok: true, subject: path.join(dir, 'pushagent_b.prom') }]);
    expect((await readdir(dir)).sort()).toEqual([
      'node_custom.prom',
      'pushagent.prom',
      'pushagent_a.prom',
      'pushagent_notes.txt',
      'pushagent_other_host.prom',
      'pushagent_unmarked.prom',
    ]);
    // `delete` keeps nothing.
    await sink.purge(ID, { checks: [], agent: false });
    expect((await readdir(dir)).sort()).toEqual([
      'node_custom.prom',
      'pushagent_notes.txt',
      'pushagent_other_host.prom',
      'pushagent_unmarked.prom',
    ]);
  });

  it('purge removes temporary files a dead process left, and a write into a folder gone fails with the file and the reason', async () => {
    const dir = await workdir({
      '.pushagent_x.prom.999999.1.tmp': 'half',
      [`.pushagent_y.prom.${process.pid}.1.tmp`]: 'mine, in flight',
    });
    const sink = new TextfileSink(dir, ctx());
    await sink.purge(ID, { checks: [], agent: false });
    expect(await readdir(dir)).toEqual([`.pushagent_y.prom.${process.pid}.1.tmp`]);
    const gone = new TextfileSink(path.join(dir, 'missing'), ctx());
    const outcome = await gone.write(report('x', health(true)));
    const file = path.join(dir, 'missing', 'pushagent_x.prom');
    expect(outcome).toMatchObject({
      target: path.join(dir, 'missing'),
      ok: false,
      retryable: false,
      error: { action: 'write file', url: file, reason: 'no such file' },
    });
    expect(!outcome.ok && outcome.error.message).toBe(`write of ${file} failed: no such file`);
  });

  it('merging into a file that is not valid text replaces it whole', async () => {
    const dir = await workdir({});
    await writeFile(path.join(dir, 'pushagent_m.prom'), 'not { valid\n');
    const sink = new TextfileSink(dir, ctx());
    expect((await sink.write(report('m', [gauge('m_value', 2)], { merge: true }))).ok).toBe(true);
    expect(await readFile(path.join(dir, 'pushagent_m.prom'), 'utf8')).toBe(
      `${header(ID, 'm')}# HELP m_value m_value help\n# TYPE m_value gauge\nm_value{check="m",dc="fra"} 2\n`,
    );
  });
});
