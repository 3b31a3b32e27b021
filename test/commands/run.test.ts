/**
 * `pushagent run` as a real process: a real Pushgateway stopped and started again, real signals,
 * real processes. Intervals are short (200–500 ms) to keep each test fast.
 */
import { execFileSync } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { phaseMs } from '../../src/agent/splay.js';
import { validate } from '../../src/commands/validate.js';
import { runCommand } from '../helpers/command.js';
import { Agent, waitUntil } from '../helpers/daemon.js';
import { family, freePort, hasPushgateway, Pushgateway } from '../helpers/pushgateway.js';
import { workdir } from '../helpers/workdir.js';

const FQDN = execFileSync('hostname', ['-f'], { encoding: 'utf8' }).trim();

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function gateway(port?: number): Promise<Pushgateway> {
  const gw = await Pushgateway.start(port);
  cleanups.push(() => gw.stop());
  return gw;
}

function agent(cwd: string, args: string[] = [], env: Record<string, string> = {}): Agent {
  const a = Agent.start(['--log-level', 'debug', ...args], { cwd, env });
  cleanups.push(async () => {
    a.signal('SIGKILL');
    await a.exitCode();
  });
  return a;
}

const value = (g: Awaited<ReturnType<Pushgateway['group']>>, name: string) => family(g, name)?.metrics[0]?.value;

describe.skipIf(!hasPushgateway)('run', () => {
  it('keeps the gateway current and pushes its own health group', async () => {
    const gw = await gateway();
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url}\n`,
      'checks/a.yaml': 'name: counter\ncommand: date +%s%N\ninterval: 200ms\nmetric: {name: now_nanoseconds}\n',
    });
    const a = agent(dir);
    const first = await waitUntil(async () => value(await gw.group('counter'), 'now_nanoseconds'), 5000);
    expect(first).toBeDefined();
    const later = await waitUntil(async () => {
      const v = value(await gw.group('counter'), 'now_nanoseconds');
      return v !== undefined && v !== first ? v : undefined;
    }, 5000);
    expect(Number(later)).toBeGreaterThan(Number(first));
    const own = (await gw.groups()).find(
      (g) => g.labels.job === 'pushagent' && g.labels.instance === FQDN && g.labels.check === undefined,
    );
    expect(family(own, 'pushagent_build_info')?.metrics[0]?.labels.version).toMatch(/^\d+\.\d+\.\d+/);
    a.signal('SIGTERM');
    expect(await a.exitCode()).toBe(0);
    const runs = family(
      (await gw.groups()).find((g) => g.labels.check === undefined && g.labels.job === 'pushagent'),
      'pushagent_check_runs_total',
    );
    expect(
      Number(runs?.metrics.find((m) => m.labels.check === 'counter' && m.labels.result === 'success')?.value),
    ).toBeGreaterThanOrEqual(2);
  });

  it('a gateway down, then a fresh one on the same port, gets every group back without a restart', async () => {
    const port = await freePort();
    let gw = await gateway(port);
    const second = (new Date().getSeconds() + 3) % 60;
    const dir = await workdir({
      // The agent group is pushed every minute and `rare` runs once a minute: after the outage
      // they come back only because the agent re-sends every group's latest result.
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url}\n  timeout: 1s\ndefaults: {interval: 1m}\n`,
      'checks/a.yaml': `- name: often\n  command: echo 1\n  interval: 300ms\n  metric: {name: often_value}\n- name: rare\n  command: echo 2\n  schedule: "${second} * * * * *"\n  metric: {name: rare_value}\n`,
    });
    const a = agent(dir);
    expect(await waitUntil(async () => value(await gw.group('rare'), 'rare_value'), 8000)).toBe('2');
    await gw.stop();
    await a.waitForLog((l) => l.msg.startsWith('gateway unreachable'), 5000);
    await new Promise((r) => setTimeout(r, 2000));
    gw = await gateway(port); // a fresh gateway: no state at all
    const back = Date.now();
    // The agent's own group has no check label.
    const checks = async () =>
      (await gw.groups()).filter((g) => g.labels.job === 'pushagent').map((g) => g.labels.check ?? '(own)');
    const all = ['often', 'rare', '(own)'];
    await waitUntil(async () => {
      const pushed = await checks();
      return all.every((c) => pushed.includes(c));
    }, 15_000);
    expect(await checks()).toEqual(expect.arrayContaining(all));
    expect(Date.now() - back).toBeLessThan(15_000);
    expect(value(await gw.group('rare'), 'rare_value')).toBe('2');
    expect(a.lines.map((l) => l.msg)).toContainEqual(expect.stringMatching(/^gateway answering again/));
  });

  it('with two gateways, one down never delays the other', async () => {
    const up = await gateway();
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: [http://127.0.0.1:1, ${up.url}]\n  timeout: 1s\n`,
      'checks/a.yaml': 'name: tick\ncommand: date +%s%N\ninterval: 200ms\nmetric: {name: tick_nanoseconds}\n',
    });
    agent(dir);
    const first = await waitUntil(async () => value(await up.group('tick'), 'tick_nanoseconds'), 5000);
    await new Promise((r) => setTimeout(r, 1000));
    const next = value(await up.group('tick'), 'tick_nanoseconds');
    // Fresh results keep arriving at the healthy gateway (roughly every 200 ms) while the other is down.
    expect(Number(next) - Number(first)).toBeGreaterThan(0);
    expect((Date.now() * 1e6 - Number(next)) / 1e9).toBeLessThan(1);
  });

  it("a refusal (400) is not retried; it is logged with the gateway's reason and counted", async () => {
    const gw = await gateway();
    await fetch(`${gw.url}/metrics/job/other`, {
      method: 'PUT',
      body: '# TYPE refused_value counter\nrefused_value 1\n',
    });
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url}\n`,
      'checks/a.yaml': 'name: refused\ncommand: echo 1\ninterval: 300ms\nmetric: {name: refused_value}\n',
    });
    const a = agent(dir);
    const line = await a.waitForLog((l) => l.msg === 'PUT refused by the gateway');
    expect(line).toMatchObject({ level: 'error', check: 'refused' });
    expect(line.error).toMatch(/HTTP 400: .*refused_value/);
    expect(a.lines.map((l) => l.msg)).not.toContainEqual(expect.stringMatching(/^gateway unreachable/));
    a.signal('SIGTERM');
    expect(await a.exitCode()).toBe(0);
    const own = (await gw.groups()).find((g) => g.labels.job === 'pushagent' && g.labels.check === undefined);
    const pushes = family(own, 'pushagent_pushes_total')?.metrics.find((m) => m.labels.outcome === 'rejected');
    expect(Number(pushes?.value)).toBeGreaterThanOrEqual(1);
  });

  it('deletes stale groups of this job and instance at start; leaves other instances alone', async () => {
    const gw = await gateway();
    const put = (path: string) => fetch(`${gw.url}${path}`, { method: 'PUT', body: 'old_value 1\n' });
    await put(`/metrics/job/pushagent/instance/${FQDN}/check/renamed_away`);
    await put('/metrics/job/pushagent/instance/other.example.com/check/renamed_away');
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url}\n`,
      'checks/a.yaml': 'name: kept\ncommand: echo 1\ninterval: 200ms\nmetric: {name: kept_value}\n',
    });
    const a = agent(dir);
    await a.waitForLog((l) => l.msg.startsWith('deleting a stale group'));
    const stale = async () =>
      (await gw.groups()).filter((g) => g.labels.instance === FQDN && g.labels.check === 'renamed_away');
    await waitUntil(async () => (await stale()).length === 0, 5000);
    expect(await stale()).toEqual([]);
    expect((await gw.groups()).map((g) => g.labels.instance)).toContain('other.example.com');
  });

  it('SIGHUP: added checks start, removed ones stop and lose their group; invalid config keeps the old one', async () => {
    const gw = await gateway();
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url}\n`,
      'checks/a.yaml': 'name: stays\ncommand: echo 1\ninterval: 200ms\nmetric: {name: stays_value}\n',
      'checks/b.yaml': 'name: leaves\ncommand: echo 2\ninterval: 200ms\nmetric: {name: leaves_value}\n',
    });
    const a = agent(dir);
    await waitUntil(async () => (await gw.group('leaves')) && (await gw.group('stays')), 5000);

    await writeFile(
      path.join(dir, 'checks/c.yaml'),
      'name: arrives\ncommand: echo 3\ninterval: 200ms\nmetric: {name: arrives_value}\n',
    );
    await rm(path.join(dir, 'checks/b.yaml'));
    a.signal('SIGHUP');
    await a.waitForLog((l) => l.msg === 'reloaded');
    expect(a.lines.find((l) => l.msg === 'reloaded')).toMatchObject({ added: 1, removed: 1, changed: 0, unchanged: 1 });
    expect(await waitUntil(async () => value(await gw.group('arrives'), 'arrives_value'), 5000)).toBe('3');
    await waitUntil(async () => !(await gw.group('leaves')), 5000);
    expect(await gw.group('leaves')).toBeUndefined();

    await writeFile(path.join(dir, 'checks/d.yaml'), 'name: broken\ncommand: echo 1\nintervall: 1s\n');
    a.signal('SIGHUP');
    await a.waitForLog((l) => l.msg.startsWith('reload failed'));
    // Each problem exactly as `validate` prints it.
    expect(a.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'checks/d.yaml:3:1: check "broken": unknown key "intervall" (did you mean "interval"?)',
      }),
    );
    // The old checks keep running: a fresh duration arrives.
    const duration = async () => value(await gw.group('arrives'), 'pushagent_check_duration_seconds');
    const before = await duration();
    await waitUntil(async () => (await duration()) !== before, 3000);
    expect(await duration()).not.toBe(before);
    a.signal('SIGTERM');
    expect(await a.exitCode()).toBe(0);
  });

  it('grouping: host keeps one group per host; a reload switching modes deletes the groups of the old mode', async () => {
    const gw = await gateway();
    const cfg = (grouping: string) => `pushgateway:\n  url: ${gw.url}\n  grouping: ${grouping}\n`;
    const dir = await workdir({
      'pushagent.config.yaml': cfg('check'),
      'checks/a.yaml': 'name: one\ncommand: echo 1\ninterval: 1s\nmetric: {name: one_value}\n',
      'checks/b.yaml': 'name: two\ncommand: echo 2\ninterval: 1s\nmetric: {name: two_value}\n',
    });
    const mine = async () => (await gw.groups()).filter((g) => g.labels.instance === FQDN);
    const checksOf = (groups: Awaited<ReturnType<typeof mine>>) => groups.map((g) => g.labels.check ?? '(host)').sort();
    const a = agent(dir);
    expect(
      checksOf((await waitUntil(async () => ((await mine()).length === 3 ? mine() : undefined), 5000)) ?? []),
    ).toEqual(['(host)', 'one', 'two']);

    await writeFile(path.join(dir, 'pushagent.config.yaml'), cfg('host'));
    a.signal('SIGHUP');
    const host = await waitUntil(async () => {
      const groups = await mine();
      const values = family(groups[0], 'pushagent_check_success')
        ?.metrics.map((m) => m.labels.check)
        .sort();
      return groups.length === 1 && JSON.stringify(values) === '["one","two"]' ? groups : undefined;
    }, 5000);
    expect(checksOf(host ?? (await mine()))).toEqual(['(host)']);
    expect(family(host?.[0], 'one_value')?.metrics[0]?.labels.check).toBe('one');
    expect(family(host?.[0], 'pushagent_build_info')?.metrics).toHaveLength(1);

    await writeFile(path.join(dir, 'pushagent.config.yaml'), cfg('check'));
    a.signal('SIGHUP');
    const back = await waitUntil(async () => {
      const groups = await mine();
      const own = groups.find((g) => g.labels.check === undefined);
      return groups.length === 3 && own && !family(own, 'one_value') ? groups : undefined;
    }, 5000);
    expect(checksOf(back ?? (await mine()))).toEqual(['(host)', 'one', 'two']);
    a.signal('SIGTERM');
    expect(await a.exitCode()).toBe(0);
  });

  it('SIGTERM with delete_on_shutdown removes every group of this instance; exit 0', async () => {
    const gw = await gateway();
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url}\ndelete_on_shutdown: true\n`,
      'checks/a.yaml': 'name: short_lived\ncommand: echo 1\ninterval: 200ms\nmetric: {name: short_value}\n',
    });
    const a = agent(dir);
    await waitUntil(async () => gw.group('short_lived'), 5000);
    a.signal('SIGTERM');
    expect(await a.exitCode()).toBe(0);
    expect((await gw.groups()).filter((g) => g.labels.instance === FQDN)).toEqual([]);
  });

  it('SIGTERM lets a running check finish up to its timeout, killing its group past it', async () => {
    const gw = await gateway();
    const marker = `${Date.now() % 100000}.25`;
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url}\n`,
      'checks/a.yaml': `name: slow\ncommand: sleep ${marker} & sleep ${marker}\ninterval: 500ms\ntimeout: 400ms\n`,
    });
    const a = agent(dir);
    await a.waitForLog((l) => l.msg === 'check timed out');
    a.signal('SIGTERM');
    expect(await a.exitCode()).toBe(0);
    expect(execFileSync('sh', ['-c', `pgrep -f '[s]leep ${marker}' || true`], { encoding: 'utf8' }).trim()).toBe('');
  });

  it('logs JSON lines naming the check, with the reason in words; URL credentials redacted', async () => {
    const gw = await gateway();
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url.replace('http://', 'http://me:hunter2@')}\n`,
      'checks/a.yaml': 'name: missing\ncommand: no-such-program-xyz\ninterval: 200ms\nmetric: {name: m_value}\n',
    });
    const a = agent(dir);
    const line = await a.waitForLog((l) => l.msg === 'check failed');
    expect(line).toMatchObject({ level: 'warn', check: 'missing', exit_code: 127 });
    expect(line.reason).toMatch(/^exit code 127 \(command not found\): .*no-such-program-xyz/);
    const notJsonObject = (l: string): boolean => {
      try {
        const v: unknown = JSON.parse(l);
        return typeof v !== 'object' || v === null;
      } catch {
        return true;
      }
    };
    expect(a.raw.filter(notJsonObject)).toEqual([]);
    expect(a.raw.join('\n')).not.toContain('hunter2');
    expect(a.lines.find((l) => l.msg === 'started')?.outputs).toContain('***');
  });

  it('invalid configuration at start is exit 3 with every problem located', async () => {
    const dir = await workdir({
      'checks/a.yaml': 'name: a\ncommand: echo 1\ntimeout: 1m\ninterval: 1s\nmetric: {name: a_value}\n',
    });
    const a = agent(dir);
    expect(await a.exitCode()).toBe(3);
    expect(a.lines.map((l) => l.msg)).toContain('checks/a.yaml:3:10: check "a": timeout 1m exceeds the interval 1s');
  });
});

describe('run: splay', () => {
  it('two checks of the same interval start at their own phases (median within 50 ms), the same after a restart', async () => {
    const instance = 'splay-test.example.com';
    const expected = { alpha: phaseMs(instance, 'alpha', 1000), beta: phaseMs(instance, 'beta', 1000) };
    // The two phases are far enough apart for the test to tell them from aligned slots and from each other.
    expect(Math.abs(expected.alpha - expected.beta)).toBeGreaterThan(150);
    const dir = await workdir({ 'pushagent.config.yaml': `instance: ${instance}\n`, 'checks/.keep': '' });
    const check = (name: string) =>
      `name: ${name}\ncommand: date +%s%3N >> ${path.join(dir, name)}.starts; echo 1\ninterval: 1s\nmetric: {name: ${name}_value}\n`;
    await writeFile(path.join(dir, 'checks/a.yaml'), check('alpha'));
    await writeFile(path.join(dir, 'checks/b.yaml'), check('beta'));
    // `validate` shows the phase each check will run at on this host: the one the daemon keeps below.
    const table = await runCommand(validate, {}, { cwd: dir });
    expect(table.exitCode).toBe(0);
    for (const name of ['alpha', 'beta'] as const)
      expect(table.stdout).toMatch(new RegExp(`^${name}\\s+every 1s\\s+\\+${expected[name]}ms\\s`, 'm'));
    const starts = async (name: string) =>
      (await readFile(path.join(dir, `${name}.starts`), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map(Number);
    for (let round = 0; round < 2; round++) {
      const before = { alpha: (await starts('alpha')).length, beta: (await starts('beta')).length };
      const a = agent(dir);
      await waitUntil(
        async () =>
          (await starts('alpha')).length >= before.alpha + 3 && (await starts('beta')).length >= before.beta + 3,
        10_000,
      );
      a.signal('SIGTERM');
      expect(await a.exitCode()).toBe(0);
      for (const name of ['alpha', 'beta'] as const) {
        // Each start's offset past its slot: (t - phase) mod 1s, from 0 (on time) to 50 ms late.
        const offsets = (await starts(name))
          .slice(before[name])
          .map((t) => (((t - expected[name]) % 1000) + 1000) % 1000);
        expect(offsets.length, `${name} ran`).toBeGreaterThanOrEqual(3);
        // The time is taken by `date` inside the check's shell, so a spawn on a loaded machine adds
        // to it (60 ms seen once in CI): the median within 50 ms, every start within 140 ms, still
        // short of the other check's phase (over 150 ms away) and of an aligned slot.
        const sorted = [...offsets].sort((x, y) => x - y);
        expect(
          sorted[sorted.length >> 1],
          `${name}: median start past its phase ${expected[name]} ms`,
        ).toBeLessThanOrEqual(50);
        for (const o of offsets)
          expect(o, `${name}: a start ${o} ms past its phase ${expected[name]} ms`).toBeLessThanOrEqual(140);
      }
    }
  });
});
