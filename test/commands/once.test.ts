/**
 * `pushagent once` end to end, in-process: real `sh`, a real Pushgateway read back through its API.
 * The CLI's wiring of it (options, exit status) is tested in test/cli.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from '../../src/commands/once.js';
import { runCommand } from '../helpers/command.js';
import { family, hasPushgateway, Pushgateway } from '../helpers/pushgateway.js';
import { startRecorder } from '../helpers/http-recorder.js';
import { workdir } from '../helpers/workdir.js';

const FQDN = execFileSync('hostname', ['-f'], { encoding: 'utf8' }).trim();

const config = (url: string, extra = '') => `pushgateway:\n  url: ${url}\n  timeout: 2s\n${extra}`;

describe.skipIf(!hasPushgateway)('once against a real Pushgateway', () => {
  let gw: Pushgateway;
  beforeAll(async () => {
    gw = await Pushgateway.start();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('stores the shipped netstat count under job, instance (FQDN) and check; exit 0', async () => {
    const r = await runCommand(
      once,
      { config: 'config.example.yaml', check: ['netstat_wait'] },
      {
        env: { PUSHGATEWAY_URL: gw.url },
      },
    );
    expect(r.stderr).toMatch(/^ok\s+netstat_wait .*pushed to http:\/\/127\.0\.0\.1/m);
    expect(r.exitCode).toBe(0);
    const g = await gw.group('netstat_wait');
    expect(g?.labels).toEqual({ job: 'pushagent', instance: FQDN, check: 'netstat_wait' });
    const f = family(g, 'count_netstat_wait_connections');
    expect(f?.type).toBe('GAUGE');
    expect(f?.help).toBe('Sockets in a WAIT state, as counted by netstat.');
    const expected = execFileSync('sh', ['-c', 'netstat -an | grep -i wait | wc -l'], { encoding: 'utf8' }).trim();
    // The count moves with the machine's sockets; it is a small non-negative integer like netstat's own.
    expect(Number(f?.metrics[0]?.value)).toBeGreaterThanOrEqual(0);
    expect(Math.abs(Number(f?.metrics[0]?.value) - Number(expected))).toBeLessThan(50);
    expect(family(g, 'pushagent_check_success')?.metrics[0]?.value).toBe('1');
    expect(family(g, 'pushagent_check_exit_code')?.metrics[0]?.value).toBe('0');
  });

  it('round-trips label values with quotes, backslashes, newlines and unicode, in body and grouping key', async () => {
    const nasty = 'a "quoted" \\ back\\slash\nnew line ünïcödé ✓';
    const dir = await workdir({
      'pushagent.config.yaml': config(
        gw.url,
        `labels:\n  path: /var/tmp\n  space: "two words"\n  dot: "."\n  dotdot: ".."\n  empty: ""\n  uni: "Προμηθεύς"\n`,
      ),
      // What a script would echo: a label value with an escaped quote, backslash and newline.
      'out.prom': 'x{k="in \\"q\\" \\\\ \\n out"} 1\n',
      'checks/nasty.yaml': `name: nasty\ncommand: cat ../out.prom\nlabels:\n  v: ${JSON.stringify(nasty)}\n`,
    });
    const r = await runCommand(once, {}, { cwd: dir });
    expect(r.stderr).toMatch(/^ok\s+nasty /m);
    expect(r.exitCode).toBe(0);
    const g = (await gw.groups()).find((x) => x.labels.check === 'nasty');
    expect(g?.labels).toEqual({
      job: 'pushagent',
      instance: FQDN,
      check: 'nasty',
      path: '/var/tmp',
      space: 'two words',
      dot: '.',
      dotdot: '..',
      empty: '',
      uni: 'Προμηθεύς',
    });
    const sample = family(g, 'x')?.metrics[0];
    expect(sample?.labels.v).toBe(nasty);
    expect(sample?.labels.k).toBe('in "q" \\ \n out');
    expect(family(g, 'pushagent_check_success')?.metrics[0]?.labels.v).toBe(nasty);
  });

  it('a failing check pushes only its health gauges; the others are still pushed; exit 1', async () => {
    const dir = await workdir({
      'pushagent.config.yaml': config(gw.url),
      'checks/a.yaml': `- name: good_one\n  command: echo 7\n  metric: {name: good_value}\n- name: bad_one\n  command: echo 'partial_value 1'; echo oops >&2; exit 3\n- name: missing_cmd\n  command: no-such-command-xyz\n- name: garbage\n  command: echo 'not a number'\n  metric: {name: garbage_value}\n`,
    });
    const r = await runCommand(once, {}, { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^FAIL\s+bad_one .*exit code 3: oops/m);
    expect(r.stderr).toMatch(/^FAIL\s+missing_cmd .*exit code 127 \(command not found\): .*no-such-command-xyz/m);
    expect(r.stderr).toMatch(/^FAIL\s+garbage .*expected one decimal number on stdout, got "not a number"/m);
    const groups = await gw.groups();
    const bad = groups.find((x) => x.labels.check === 'bad_one');
    expect(
      Object.keys(bad ?? {})
        .filter((k) => !['labels', 'last_push_successful'].includes(k))
        .sort(),
    ).toEqual([
      'push_failure_time_seconds',
      'push_time_seconds',
      'pushagent_check_duration_seconds',
      'pushagent_check_exit_code',
      'pushagent_check_success',
      'pushagent_check_timed_out',
    ]);
    expect(family(bad, 'pushagent_check_success')?.metrics[0]?.value).toBe('0');
    expect(family(bad, 'pushagent_check_exit_code')?.metrics[0]?.value).toBe('3');
    expect(
      family(
        groups.find((x) => x.labels.check === 'missing_cmd'),
        'pushagent_check_exit_code',
      )?.metrics[0]?.value,
    ).toBe('127');
    expect(
      family(
        groups.find((x) => x.labels.check === 'good_one'),
        'good_value',
      )?.metrics[0]?.value,
    ).toBe('7');
  });

  it("a gateway answering 400 is exit 2, with the URL, the status and the gateway's reason", async () => {
    // Another group already holds this name as a counter: the gateway refuses a gauge of it.
    await fetch(`${gw.url}/metrics/job/other`, { method: 'PUT', body: '# TYPE clash_value counter\nclash_value 1\n' });
    const dir = await workdir({
      'pushagent.config.yaml': config(gw.url),
      'checks/a.yaml': 'name: clash\ncommand: echo 1\nmetric: {name: clash_value}\n',
    });
    const r = await runCommand(once, {}, { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`push failed: push to ${gw.url}/metrics/job/pushagent/instance/`);
    expect(r.stderr).toMatch(/HTTP 400: .*clash_value/);
  });

  it('a check past its timeout is killed with its whole process group; once returns right after', async () => {
    const marker = `${Date.now() % 100000}.5`;
    const dir = await workdir({
      'pushagent.config.yaml': config(gw.url),
      'checks/a.yaml': `name: hung\ncommand: sleep ${marker} & sleep ${marker}\ntimeout: 500ms\ninterval: 1s\n`,
    });
    const r = await runCommand(once, {}, { cwd: dir });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^TIMEOUT\s+hung .*timed out after 500ms/m);
    // 500ms timeout; well under the 2s kill grace, so nothing waited for it.
    expect(r.ms).toBeLessThan(1800);
    const left = execFileSync('sh', ['-c', `pgrep -f '[s]leep ${marker}' || true`], { encoding: 'utf8' }).trim();
    expect(left).toBe('');
    const g = await gw.group('hung');
    expect(family(g, 'pushagent_check_timed_out')?.metrics[0]?.value).toBe('1');
    expect(family(g, 'pushagent_check_exit_code')?.metrics[0]?.value).toBe('-1');
  });

  it('pushes to every URL of a list; one gateway down is exit 2 naming it, the other still gets it', async () => {
    const down = 'http://127.0.0.1:1';
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: [${gw.url}, ${down}]\n  timeout: 2s\n`,
      'checks/a.yaml': 'name: redundant\ncommand: echo 5\nmetric: {name: redundant_value}\n',
    });
    const r = await runCommand(once, {}, { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`pushed to ${gw.url}`);
    expect(r.stderr).toMatch(
      /push failed: push to http:\/\/127\.0\.0\.1:1\/metrics\/job\/pushagent\/.* failed: ECONNREFUSED/,
    );
    expect(family(await gw.group('redundant'), 'redundant_value')?.metrics[0]?.value).toBe('5');
  });
});

describe('once without a gateway', () => {
  it('a gateway that is down is exit 2', async () => {
    const dir = await workdir({
      'pushagent.config.yaml': config('http://127.0.0.1:1'),
      'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n',
    });
    const r = await runCommand(once, {}, { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /^ok\s+a .*\n\s+push failed: push to http:\/\/127\.0\.0\.1:1\/metrics\/job\/pushagent\/instance\/\S+\/check\/a failed: ECONNREFUSED/m,
    );
  });

  it('a redirect (3xx) is a failed push, not followed: exit 2 with the status', async () => {
    const redirecting = await startRecorder({ status: 307, body: 'Temporary Redirect' });
    try {
      const dir = await workdir({
        'pushagent.config.yaml': config(redirecting.url),
        'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n',
      });
      const r = await runCommand(once, {}, { cwd: dir });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(
        /push failed: push to http:\/\/127\.0\.0\.1:\d+\/metrics\/job\/pushagent\/instance\/\S+\/check\/a failed: HTTP 307: Temporary Redirect/,
      );
      expect(redirecting.requests).toHaveLength(1);
    } finally {
      await redirecting.close();
    }
  });

  it('without a pushgateway section prints to stdout and says so on stderr', async () => {
    const dir = await workdir({ 'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n' });
    const r = await runCommand(once, {}, { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('no output configured: printing what would be pushed to stdout');
    expect(r.stdout).toContain(`# group job="pushagent",instance="${FQDN}",check="a"\n# HELP a_value`);
    expect(r.stdout).toContain('\na_value 1\n');
  });

  it('invalid configuration or an unknown --check is exit 3 with the located message', async () => {
    const dir = await workdir({
      'checks/a.yaml': 'name: a\ncommand: echo 1\nintervall: 15s\nmetric: {name: a_value}\n',
    });
    const r = await runCommand(once, {}, { cwd: dir });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('checks/a.yaml:3:1: check "a": unknown key "intervall" (did you mean "interval"?)');
    const r2 = await runCommand(once, { check: ['nope'] });
    expect(r2.exitCode).toBe(3);
    expect(r2.stderr).toContain('unknown check "nope"; known: ');
  });

  it('refuses a localhost instance unless `instance:` is set', async () => {
    const dir = await workdir({
      'pushagent.config.yaml': 'instance: localhost\n',
      'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n',
    });
    const r = await runCommand(once, { dryRun: true }, { cwd: dir });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('pushagent.config.yaml:1:11: instance "localhost" would mix every host into one series');
  });
});
