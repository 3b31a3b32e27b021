/**
 * `pushagent exec` end to end: the built CLI as a real process wrapping real jobs (sh, node), a real
 * Pushgateway read back through its API, /proc for what is left running.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { execa, type Options, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { waitUntil } from '../helpers/daemon.js';
import { family, freePort, hasPushgateway, Pushgateway, type StoredGroup } from '../helpers/pushgateway.js';
import { workdir } from '../helpers/workdir.js';

const FQDN = execFileSync('hostname', ['-f'], { encoding: 'utf8' }).trim();

let cwd: string;
beforeAll(async () => {
  // No config file to find: each test says where to push.
  cwd = await mkdtemp(path.join(tmpdir(), 'pushagent-exec-'));
});
afterAll(async () => {
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

/** Runs `pushagent exec ARGS` with stdout and stderr as bytes. */
function pushagentExec(args: readonly string[], opts: Options = {}) {
  return execa(process.execPath, [CLI, 'exec', ...args], {
    cwd,
    env: {},
    reject: false,
    encoding: 'buffer',
    stripFinalNewline: false,
    stdin: 'ignore',
    timeout: 20_000,
    ...opts,
  });
}

const value = (group: StoredGroup | undefined, name: string): number | undefined => {
  const v = family(group, name)?.metrics[0]?.value;
  return v === undefined ? undefined : Number(v);
};

/** Processes whose command line holds `marker`. */
function processesWith(marker: string): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });
}

describe('exec without a gateway', () => {
  it('passes stdin, stdout and stderr through byte for byte (binary, no final newline)', async () => {
    const bytes = Buffer.from([0, 255, 10, 13, 128, 0xc3, 0x28, 65]);
    const script = `process.stdin.pipe(process.stdout); process.stderr.write(Buffer.from([${[...bytes].reverse().join(',')}]));`;
    const r = await pushagentExec(['--job', 'bytes', '--', process.execPath, '-e', script], {
      stdin: undefined,
      input: bytes,
    });
    expect(r.exitCode).toBe(0);
    expect(Buffer.compare(r.stdout as Uint8Array, bytes)).toBe(0);
    // Without a sink the outcome follows the job's bytes on stderr; stdout is the job's alone.
    const stderr = Buffer.from(r.stderr as Uint8Array);
    expect(Buffer.compare(stderr.subarray(0, bytes.length), Buffer.from([...bytes].reverse()))).toBe(0);
    expect(stderr.subarray(bytes.length).toString()).toMatch(
      /^# pushagent exec: no output configured .*\n# group job="bytes"\n/,
    );
  });

  it('prints the outcome on stderr as exposition text when no output is configured', async () => {
    const r = await pushagentExec(['--job', 'preview', '--', 'sh', '-c', 'echo out; exit 4'], { encoding: 'utf8' });
    expect(r.exitCode).toBe(4);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toMatch(/^# group job="preview"$/m);
    expect(r.stderr).toMatch(/^pushagent_job_exit_code 4$/m);
    expect(r.stderr).toMatch(/^pushagent_job_success 0$/m);
    expect(r.stderr).toMatch(/^pushagent_job_last_failure_timestamp_seconds \d+(\.\d+)?$/m);
  });

  it.each([
    ['exit 0', 0],
    ['exit 1', 1],
    ['exit 3', 3],
    ['exit 137', 137],
    ['kill -TERM $$', 143],
    ['kill -KILL $$', 137],
    ['kill -SEGV $$', 139],
  ])('exit status is the job\'s: sh -c "%s" → %i', async (script, status) => {
    const r = await pushagentExec(['--job', 'status', '--', 'sh', '-c', script], { encoding: 'utf8' });
    expect(r.exitCode, r.stderr as string).toBe(status);
    expect(r.stderr).toMatch(new RegExp(`^pushagent_job_exit_code ${status}$`, 'm'));
  });

  it('a command that cannot run: 127 or 126, as a shell says, and why', async () => {
    const missing = await pushagentExec(['--job', 'x', '--', 'no-such-command-xyz'], { encoding: 'utf8' });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toMatch(
      /^pushagent exec: cannot run no-such-command-xyz: no such file or directory \(exit status 127\)$/m,
    );
    const dir = await pushagentExec(['--job', 'x', '--', '/tmp'], { encoding: 'utf8' });
    expect(dir.exitCode).toBe(126);
  });

  it('usage errors are exit 3 and run nothing: no --job, no command, an invalid --gateway, duration or --textfile', async () => {
    const marker = path.join(cwd, 'ran');
    for (const args of [
      ['--', 'touch', marker],
      ['--job', 'x'],
      ['--job', 'x', '--gateway', 'ftp://gw', '--', 'touch', marker],
      ['--job', 'x', '--timeout', '10', '--', 'touch', marker],
      ['--job', 'x', '--textfile', '', '--', 'touch', marker],
    ]) {
      const r = await pushagentExec(args, { encoding: 'utf8' });
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(3);
    }
    expect(() => readFileSync(marker)).toThrow();
  });

  it('--timeout kills the whole group, TERM-ignoring grandchildren too, and leaves no process', async () => {
    const marker = `pushagent_exec_hung_${process.pid}_${Date.now()}`;
    const script = `trap "" TERM; sh -c 'trap "" TERM; sleep 300; : ${marker}' & sleep 300; : ${marker}`;
    const started = performance.now();
    const r = await pushagentExec(
      ['--job', 'hung', '--timeout', '1s', '--kill-grace', '500ms', '--', 'sh', '-c', script],
      { encoding: 'utf8' },
    );
    const took = performance.now() - started;
    expect(r.exitCode).toBe(137);
    expect(r.stderr).toMatch(
      /^pushagent exec: job "hung" timed out after 1s: its process group was killed \(exit status 137\)$/m,
    );
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(took).toBeLessThan(5000);
    expect(processesWith(marker)).toEqual([]);
  });

  it("SIGTERM to pushagent reaches the job; its status is the job's (143)", async () => {
    const proc = pushagentExec(['--job', 'term', '--', 'sh', '-c', 'echo started; sleep 30 & wait'], {
      encoding: 'utf8',
      buffer: true,
    });
    let out = '';
    proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    expect(await waitUntil(() => out.includes('started'), 5000)).toBe(true);
    proc.kill('SIGTERM');
    const r = await proc;
    expect(r.exitCode).toBe(143);
    expect(r.stderr).toMatch(/^pushagent_job_exit_code 143$/m);
  });
});

describe.skipIf(!hasPushgateway)('exec against a real Pushgateway', () => {
  let gw: Pushgateway;
  beforeAll(async () => {
    gw = await Pushgateway.start();
  });
  afterAll(async () => {
    await gw?.stop();
  });
  const groupOf = async (job: string): Promise<StoredGroup | undefined> =>
    (await gw.groups()).find((g) => g.labels.job === job);

  it('a success then a failure: the failure keeps the time of the last success; nothing on stderr', async () => {
    const ok = await pushagentExec(['--job', 'nightly', '--gateway', gw.url, '--expect-every', '25h', '--', 'true'], {
      encoding: 'utf8',
    });
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toBe('');
    const first = await groupOf('nightly');
    expect(first?.labels).toEqual({ job: 'nightly' });
    const successAt = value(first, 'pushagent_job_last_success_timestamp_seconds')!;
    expect(Math.abs(successAt - Date.now() / 1000)).toBeLessThan(10);
    expect(value(first, 'pushagent_job_success')).toBe(1);
    expect(value(first, 'pushagent_job_expected_interval_seconds')).toBe(90_000);
    expect(family(first, 'pushagent_job_last_failure_timestamp_seconds')).toBeUndefined();

    const failed = await pushagentExec(
      ['--job', 'nightly', '--gateway', gw.url, '--', 'sh', '-c', 'sleep 0.2; exit 1'],
      { encoding: 'utf8' },
    );
    expect(failed.exitCode).toBe(1);
    const second = await groupOf('nightly');
    expect(value(second, 'pushagent_job_success')).toBe(0);
    expect(value(second, 'pushagent_job_exit_code')).toBe(1);
    expect(value(second, 'pushagent_job_last_success_timestamp_seconds')).toBe(successAt);
    expect(value(second, 'pushagent_job_last_failure_timestamp_seconds')).toBeGreaterThan(successAt);
    expect(value(second, 'pushagent_job_last_run_timestamp_seconds')).toBe(
      value(second, 'pushagent_job_last_failure_timestamp_seconds'),
    );
    expect(value(second, 'pushagent_job_duration_seconds')).toBeGreaterThanOrEqual(0.2);
    expect(value(second, 'pushagent_job_running')).toBe(0);
  });

  it('--instance adds the FQDN; the config file gives its labels and gateway settings', async () => {
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url}\n  timeout: 2s\nlabels:\n  env: prod\n`,
    });
    const r = await pushagentExec(['--job', 'machine_job', '--instance', '--', 'true'], { cwd: dir, encoding: 'utf8' });
    expect(r.exitCode, r.stderr as string).toBe(0);
    expect((await groupOf('machine_job'))?.labels).toEqual({ job: 'machine_job', instance: FQDN, env: 'prod' });
  });

  it("the job's own lines in PUSHAGENT_METRICS_FILE are pushed; invalid ones dropped and said; the file removed", async () => {
    const script = [
      'echo "$PUSHAGENT_METRICS_FILE" > where',
      'echo "# TYPE backup_bytes_written gauge" >> "$PUSHAGENT_METRICS_FILE"',
      'echo "backup_bytes_written 123456" >> "$PUSHAGENT_METRICS_FILE"',
      'echo "backup oops" >> "$PUSHAGENT_METRICS_FILE"',
      'echo "backup_files{volume=\\"data\\"} 42" >> "$PUSHAGENT_METRICS_FILE"',
    ].join('; ');
    const r = await pushagentExec(['--job', 'with_figures', '--gateway', gw.url, '--', 'sh', '-c', script], {
      encoding: 'utf8',
    });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^pushagent exec: PUSHAGENT_METRICS_FILE line 3: expected a value .*; dropped\n$/);
    const g = await groupOf('with_figures');
    expect(family(g, 'backup_bytes_written')).toMatchObject({ type: 'GAUGE', metrics: [{ value: '123456' }] });
    expect(family(g, 'backup_files')?.metrics[0]).toMatchObject({ labels: { volume: 'data' }, value: '42' });
    expect(family(g, 'backup')).toBeUndefined();
    expect(value(g, 'pushagent_job_success')).toBe(1);
    const file = readFileSync(path.join(cwd, 'where'), 'utf8').trim();
    expect(file).toMatch(/pushagent-exec-.*metrics\.prom$/);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it('--start-push: running 1 and the start time while the job runs, running 0 after', async () => {
    const go = path.join(cwd, 'go');
    const proc = pushagentExec(
      [
        '--job',
        'long_one',
        '--gateway',
        gw.url,
        '--start-push',
        '--',
        'sh',
        '-c',
        `while [ ! -e ${go} ]; do sleep 0.05; done`,
      ],
      { encoding: 'utf8' },
    );
    const running = await waitUntil(async () => {
      const g = await groupOf('long_one');
      return value(g, 'pushagent_job_running') === 1 ? g : undefined;
    }, 10_000);
    expect(running).toBeDefined();
    expect(Math.abs(value(running, 'pushagent_job_start_timestamp_seconds')! - Date.now() / 1000)).toBeLessThan(10);
    expect(family(running, 'pushagent_job_success')).toBeUndefined();
    await writeFile(go, '');
    expect((await proc).exitCode).toBe(0);
    const done = await groupOf('long_one');
    expect(value(done, 'pushagent_job_running')).toBe(0);
    expect(value(done, 'pushagent_job_start_timestamp_seconds')).toBe(
      value(running, 'pushagent_job_start_timestamp_seconds'),
    );
    expect(value(done, 'pushagent_job_success')).toBe(1);
  });

  it("a failed push is said on stderr and keeps the job's status; with --strict a success becomes 2", async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const plain = await pushagentExec(['--job', 'unpushed', '--gateway', down, '--', 'true'], { encoding: 'utf8' });
    expect(plain.exitCode).toBe(0);
    expect(plain.stderr).toMatch(
      /^pushagent exec: push failed: push to http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/unpushed failed: /m,
    );
    expect((await pushagentExec(['--job', 'unpushed', '--gateway', down, '--strict', '--', 'true'])).exitCode).toBe(2);
    expect(
      (await pushagentExec(['--job', 'unpushed', '--gateway', down, '--strict', '--', 'sh', '-c', 'exit 5'])).exitCode,
    ).toBe(5);
    // A failed start push does not keep the outcome from being tried.
    const started = await pushagentExec(['--job', 'unpushed', '--gateway', down, '--start-push', '--', 'true'], {
      encoding: 'utf8',
    });
    expect((started.stderr as string).match(/^pushagent exec: push failed: /gm)).toHaveLength(2);
  });
});

const NODE_EXPORTER = process.env.NODE_EXPORTER_BIN ?? 'prometheus-node-exporter';
const hasNodeExporter = spawnSync(NODE_EXPORTER, ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasNodeExporter && process.env.CI)
  throw new Error("prometheus-node-exporter is not installed; CI must install Debian's prometheus-node-exporter");

describe.skipIf(!hasNodeExporter)("exec --textfile, read by node_exporter's textfile collector", () => {
  let dir: string;
  let url: string;
  let proc: ResultPromise;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pushagent-exec-textfile-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}/metrics`;
    proc = execa(
      NODE_EXPORTER,
      [
        `--web.listen-address=127.0.0.1:${port}`,
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${dir}`,
      ],
      { reject: false, stdin: 'ignore' },
    );
    expect(await waitUntil(async () => (await fetch(url).catch(() => undefined))?.ok, 10_000)).toBe(true);
  });
  afterAll(async () => {
    proc?.kill('SIGTERM');
    await proc;
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  /** node_exporter's lines for `batch_job="backup_local"`, without HELP and TYPE. */
  const scraped = async (): Promise<string[]> =>
    (await (await fetch(url)).text()).split('\n').filter((l) => l.includes('batch_job="backup_local"'));

  it('a success then a failure: the file keeps the success time; the job named by batch_job, its own figures too', async () => {
    const ok = await pushagentExec(
      [
        '--job',
        'backup_local',
        '--textfile',
        dir,
        '--expect-every',
        '25h',
        '--',
        'sh',
        '-c',
        'echo "backup_files 12" >> "$PUSHAGENT_METRICS_FILE"',
      ],
      { encoding: 'utf8' },
    );
    expect(ok.exitCode).toBe(0);
    expect(ok.stderr).toBe('');
    expect(readdirSync(dir)).toEqual(['pushagent_job_backup_local.prom']);
    const first = await scraped();
    expect(first).toContain('pushagent_job_success{batch_job="backup_local"} 1');
    expect(first).toContain('backup_files{batch_job="backup_local"} 12');
    expect(first).toContain('pushagent_job_expected_interval_seconds{batch_job="backup_local"} 90000');
    const success = first.find((l) => l.startsWith('pushagent_job_last_success_timestamp_seconds'));
    expect(success).toBeDefined();

    const failed = await pushagentExec(['--job', 'backup_local', '--textfile', dir, '--', 'sh', '-c', 'exit 2'], {
      encoding: 'utf8',
    });
    expect(failed.exitCode).toBe(2);
    const second = await scraped();
    expect(second).toContain('pushagent_job_success{batch_job="backup_local"} 0');
    expect(second).toContain('pushagent_job_exit_code{batch_job="backup_local"} 2');
    expect(second).toContain(success);
    expect(
      second.some((l) => l.startsWith('pushagent_job_last_failure_timestamp_seconds{batch_job="backup_local"} ')),
    ).toBe(true);
    // node_exporter read the file without complaint.
    expect(await (await fetch(url)).text()).toMatch(/^node_textfile_scrape_error 0$/m);
  });
});
