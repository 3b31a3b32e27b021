/**
 * What a process group cannot contain, and what the shipped systemd unit relies on instead.
 *
 * A check's child that calls setsid leaves the check's process group, so pushagent's group kill
 * misses it; and `pushagent run` killed with SIGKILL cannot kill the groups of the checks it was
 * running. Both stay in the agent's cgroup: contrib/pushagent.service (KillMode=mixed) has
 * systemd SIGKILL whatever is left in the unit's cgroup once the agent is gone. systemd cannot run
 * as init on the test machines, so this test builds that cgroup itself (cgroup v2) and does what
 * systemd does at the end of a stop: cgroup.kill. docs/limits.md gives the manual check under a
 * real systemd.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { waitUntil } from '../helpers/daemon.js';
import { workdir } from '../helpers/workdir.js';

/** Where a new cgroup beside ours could go, if this kernel lets us make one with cgroup.kill. */
function cgroupParent(): string | undefined {
  try {
    const mount = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .find((f) => f[f.indexOf('-') + 1] === 'cgroup2')?.[4];
    const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    if (mount === undefined || own === undefined) return undefined;
    const parent = path.join(mount, own);
    const probe = path.join(parent, `pushagent-probe-${process.pid}`);
    mkdirSync(probe);
    const ok = existsSync(path.join(probe, 'cgroup.kill'));
    rmdirSync(probe);
    return ok ? parent : undefined;
  } catch {
    return undefined;
  }
}

const parent = process.platform === 'linux' ? cgroupParent() : undefined;
if (!parent)
  console.warn(
    'skipping the cgroup clean-up check: no cgroup v2 with cgroup.kill that this user may create cgroups in',
  );

const running = (marker: string): string[] =>
  execFileSync('sh', ['-c', `pgrep -f '[${marker[0]}]${marker.slice(1)}' || true`], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean);

describe.skipIf(!parent)(
  'setsid children and a SIGKILLed agent: left by the process group, cleaned by the cgroup',
  () => {
    it('both outlive the agent, and the cgroup kill that ends a systemd stop removes both', async () => {
      const tag = `${process.pid}x${Date.now() % 100000}`;
      const [escaped, orphaned] = [`escaped${tag}`, `orphaned${tag}`];
      const dir = await workdir({
        'checks/escape.yaml': `name: escape\ncommand: "setsid sh -c 'sleep 600' ${escaped} >/dev/null 2>&1 & echo 1"\nmetric: {name: escape_value}\ninterval: 2s\ntimeout: 1s\n`,
        'checks/hold.yaml': `name: hold\ncommand: "sh -c 'sleep 600' ${orphaned}; echo 1"\nmetric: {name: hold_value}\ninterval: 5s\ntimeout: 5s\n`,
      });
      const cgroup = path.join(parent!, `pushagent-test-${tag}`);
      mkdirSync(cgroup);
      const agent = spawn('sh', ['-c', 'echo $$ > "$CG/cgroup.procs" && exec "$NODE" "$CLI" run --log-level warn'], {
        cwd: dir,
        env: { ...process.env, CG: cgroup, NODE: process.execPath, CLI },
        stdio: 'ignore',
      });
      const exited = new Promise((resolve) => agent.once('exit', resolve));
      try {
        expect(await waitUntil(() => running(escaped).length > 0 && running(orphaned).length > 0, 15_000)).toBe(true);
        agent.kill('SIGKILL');
        await exited;
        await new Promise((r) => setTimeout(r, 300));
        // The limits: neither the setsid child nor the running check's group died with the agent.
        expect({ escaped: running(escaped).length > 0, orphaned: running(orphaned).length > 0 }).toEqual({
          escaped: true,
          orphaned: true,
        });
        // Both are still in the agent's cgroup, which is what systemd kills at the end of a stop.
        const procs = readFileSync(path.join(cgroup, 'cgroup.procs'), 'utf8').trim().split('\n').filter(Boolean);
        expect(procs).toEqual(expect.arrayContaining([...running(escaped), ...running(orphaned)]));
        writeFileSync(path.join(cgroup, 'cgroup.kill'), '1');
        expect(await waitUntil(() => running(escaped).length === 0 && running(orphaned).length === 0, 3000)).toBe(true);
      } finally {
        agent.kill('SIGKILL');
        if (existsSync(path.join(cgroup, 'cgroup.kill'))) writeFileSync(path.join(cgroup, 'cgroup.kill'), '1');
        await waitUntil(() => readFileSync(path.join(cgroup, 'cgroup.procs'), 'utf8').trim() === '', 3000);
        rmdirSync(cgroup);
      }
    }, 40_000);
  },
);
