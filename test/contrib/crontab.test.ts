/**
 * contrib/crontab.example's job line, run as cron would run it (SHELL and PATH from the file,
 * `/bin/sh -c` the command) with real flock, a real Pushgateway and the built CLI. Two stand-ins,
 * both on a temporary PATH entry: `pushagent` (the built dist/cli.js, since nothing is installed
 * globally) and `logger` (it records what it is given, since a CI container has no syslog). The
 * config file and lock paths are the only parts of the command substituted.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, REPO } from '../helpers/cli.js';
import { waitUntil } from '../helpers/daemon.js';
import { freePort, hasPushgateway, Pushgateway } from '../helpers/pushgateway.js';

const CRONTAB = readFileSync(path.join(REPO, 'contrib/crontab.example'), 'utf8');
const CONFIG = '/etc/pushagent/config.yaml';
const LOCK = '/run/lock/pushagent.lock';

const lines = CRONTAB.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
const env = Object.fromEntries(
  lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);
const jobs = lines.filter((l) => !/^[A-Z_]+=/.test(l));
/** The commented-out `pushagent exec` example, uncommented. */
const execLine = CRONTAB.split('\n')
  .find((l) => /^# (\S+ ){6}pushagent exec /.test(l))
  ?.slice(2);

describe('contrib/crontab.example', () => {
  it('is one /etc/cron.d line: every minute, as user pushagent, a command cron can run', () => {
    expect(jobs).toHaveLength(1);
    const fields = jobs[0]!.split(/\s+/);
    expect(fields.slice(0, 6)).toEqual(['*', '*', '*', '*', '*', 'pushagent']);
    // cron turns % into a newline: the command must not use it.
    expect(jobs[0]).not.toContain('%');
    expect(env).toEqual({ SHELL: '/bin/sh', PATH: '/usr/local/bin:/usr/bin:/bin' });
  });

  it('has a commented-out `pushagent exec` line for a batch job: a cron.d line cron can run', () => {
    expect(execLine).toBeDefined();
    expect(execLine!.split(/\s+/).slice(0, 6)).toEqual(['0', '3', '*', '*', '*', 'root']);
    expect(execLine).not.toContain('%');
  });
});

describe.skipIf(!hasPushgateway)('contrib/crontab.example run as cron runs it', () => {
  let gw: Pushgateway;
  let dir: string;
  beforeAll(async () => {
    gw = await Pushgateway.start();
    dir = await mkdtemp(path.join(tmpdir(), 'pushagent-cron-'));
    await writeFile(
      path.join(dir, 'pushagent'),
      `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`,
    );
    await writeFile(
      path.join(dir, 'logger'),
      `#!/bin/sh\n{ printf 'logger %s\\n' "$*"; cat; } >> ${JSON.stringify(path.join(dir, 'syslog'))}\n`,
    );
    await chmod(path.join(dir, 'pushagent'), 0o755);
    await chmod(path.join(dir, 'logger'), 0o755);
  });
  afterAll(async () => {
    await gw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the job line once with `config` and `checks` (file name → text); returns what reached syslog. */
  async function cronRun(config: string, checks: Record<string, string> = {}): Promise<string> {
    const job = jobs[0]!.split(/\s+/).slice(6).join(' ');
    expect(job.split(CONFIG)).toHaveLength(2);
    expect(job.split(LOCK)).toHaveLength(2);
    const work = await mkdtemp(path.join(dir, 'run-'));
    await writeFile(path.join(work, 'config.yaml'), config);
    await mkdir(path.join(work, 'checks'));
    for (const [name, text] of Object.entries(checks)) await writeFile(path.join(work, 'checks', name), text);
    await rm(path.join(dir, 'syslog'), { force: true });
    const command = job.replace(CONFIG, path.join(work, 'config.yaml')).replace(LOCK, path.join(dir, 'pushagent.lock'));
    const r = await execa(env.SHELL!, ['-c', command], {
      env: { PATH: `${dir}:${env.PATH}` },
      extendEnv: false,
      reject: false,
      timeout: 20_000,
      cwd: '/',
    });
    expect(r.stdout + r.stderr).toBe(''); // everything went to syslog: cron would mail nothing
    return readFile(path.join(dir, 'syslog'), 'utf8');
  }

  const pushTo = (url: string) => `pushgateway:\n  url: ${url}\n  timeout: 1s\n`;
  const explained = (code: number) => new RegExp(`^#\\s+${code}\\s+\\S`, 'm');

  it('exit code 0: the check lines and the exit code reach syslog, tagged pushagent; the result reaches the gateway', async () => {
    const log = await cronRun(pushTo(gw.url), {
      'a.yaml': 'name: cron_ok\ncommand: echo 7\nmetric: {name: cron_value}\n',
    });
    expect(log).toMatch(/^logger -t pushagent\n/);
    expect(log).toMatch(/^ok\s+cron_ok .*pushed to http:\/\/127\.0\.0\.1/m);
    expect(log).toMatch(/^exit code 0$/m);
    expect((await gw.group('cron_ok'))?.labels.check).toBe('cron_ok');
    expect(CRONTAB).toMatch(explained(0));
  });

  it('exit code 1: a failed check, pushed anyway', async () => {
    const log = await cronRun(pushTo(gw.url), {
      'a.yaml': 'name: cron_fail\ncommand: exit 4\nmetric: {name: cron_value}\n',
    });
    expect(log).toMatch(/^FAIL\s+cron_fail .*exit code 4/m);
    expect(log).toMatch(/^exit code 1$/m);
    expect(CRONTAB).toMatch(explained(1));
  });

  it('exit code 2: the gateway cannot be reached', async () => {
    const log = await cronRun(pushTo(`http://127.0.0.1:${await freePort()}`), {
      'a.yaml': 'name: cron_ok\ncommand: echo 7\nmetric: {name: cron_value}\n',
    });
    expect(log).toMatch(/push failed: /);
    expect(log).toMatch(/^exit code 2$/m);
    expect(CRONTAB).toMatch(explained(2));
  });

  it('exit code 3: an invalid configuration, with the file:line:col', async () => {
    const log = await cronRun(`${pushTo(gw.url)}bogus: 1\n`);
    expect(log).toMatch(/config\.yaml:\d+:\d+: /);
    expect(log).toMatch(/^exit code 3$/m);
    expect(CRONTAB).toMatch(explained(3));
  });

  it("the `pushagent exec` example: the job's output and status as before, its outcome at the gateway", async () => {
    const work = await mkdtemp(path.join(dir, 'exec-'));
    await writeFile(path.join(work, 'config.yaml'), pushTo(gw.url));
    const backup = path.join(work, 'backup.sh');
    await writeFile(backup, '#!/bin/sh\necho "backup $*"\necho "backup_files 12" >> "$PUSHAGENT_METRICS_FILE"\n');
    await chmod(backup, 0o755);
    const job = execLine!.split(/\s+/).slice(6).join(' ');
    expect(job.split(CONFIG)).toHaveLength(2);
    const command = job.replace(CONFIG, path.join(work, 'config.yaml')).replace('/usr/local/bin/backup.sh', backup);
    const r = await execa(env.SHELL!, ['-c', command], {
      env: { PATH: `${dir}:${env.PATH}` },
      extendEnv: false,
      reject: false,
      timeout: 20_000,
      cwd: '/',
    });
    expect(r.stdout).toBe('backup --full'); // what cron mails, as without pushagent
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const g = (await gw.groups()).find((x) => x.labels.job === 'backup');
    expect(g?.labels).toEqual({ job: 'backup' });
    expect((g?.pushagent_job_success as { metrics: { value: string }[] }).metrics[0]?.value).toBe('1');
    expect((g?.backup_files as { metrics: { value: string }[] }).metrics[0]?.value).toBe('12');
  });

  it('exit code 75: the previous run still holds the lock, so this one skips without running anything', async () => {
    // Its own process group, so that flock and its sleep (which holds the lock too) go together.
    const holder = spawn('flock', [path.join(dir, 'pushagent.lock'), 'sleep', '30'], {
      stdio: 'ignore',
      detached: true,
    });
    try {
      // flock creates the file, then locks it: wait until a non-blocking attempt is refused.
      const held = await waitUntil(
        async () =>
          (await execa('flock', ['-n', path.join(dir, 'pushagent.lock'), 'true'], { reject: false })).exitCode === 1,
        5000,
      );
      expect(held).toBe(true);
      const started = Date.now();
      const log = await cronRun(pushTo(gw.url), {
        'a.yaml': 'name: cron_locked\ncommand: echo 7\nmetric: {name: cron_value}\n',
      });
      expect(log).toBe('logger -t pushagent\nexit code 75\n');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await gw.group('cron_locked')).toBeUndefined();
      expect(CRONTAB).toMatch(explained(75));
    } finally {
      process.kill(-holder.pid!, 'SIGKILL');
    }
  });
});
