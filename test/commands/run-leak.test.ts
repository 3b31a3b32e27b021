/**
 * 1,000 timed-out runs of a command that leaves a background grandchild (`sleep & sleep`): no such
 * process remains, no zombie is left, and the agent's open file descriptors return to their count
 * after start-up. Slower than the other tests (about 15 s); CI runs it too.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Agent, waitUntil } from '../helpers/daemon.js';
import { workdir } from '../helpers/workdir.js';

const RUNS = 1000;
const CHECKS = 10;

const fds = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const sleepers = (marker: string) =>
  execFileSync('sh', ['-c', `pgrep -f '[s]leep ${marker}' || true`], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean);
const zombieChildren = (pid: number) =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return state === 'Z' && Number(ppid) === pid;
      } catch {
        return false;
      }
    });

describe.skipIf(process.platform !== 'linux')('run: 1,000 timeouts leak nothing', () => {
  it('no processes, zombies or file descriptors left behind', async () => {
    const marker = `${process.pid}.${Date.now() % 1000}`;
    const checks = Array.from(
      { length: CHECKS },
      (_, i) =>
        `- name: hang_${i}\n  command: sleep ${marker} & sleep ${marker}\n  interval: 100ms\n  timeout: 40ms\n  kill_grace: 200ms\n`,
    ).join('');
    // No pushgateway: results go to stdout (discarded), so no sockets blur the descriptor count.
    const dir = await workdir({ 'checks/hang.yaml': checks });
    const agent = Agent.start(['--log-level', 'warn'], { cwd: dir });
    try {
      const timedOut = () => agent.lines.filter((l) => l.msg === 'check timed out').length;
      expect(await waitUntil(() => timedOut() >= 3 * CHECKS, 10_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      const baseline = fds(agent.pid);

      expect(await waitUntil(() => timedOut() >= RUNS, 60_000)).toBe(true);
      // While it runs, only the current runs' processes exist: nothing accumulates.
      expect(sleepers(marker).length).toBeLessThanOrEqual(2 * CHECKS);
      // A child that has just died is a zombie until Node reaps it, a moment later (longer on a
      // loaded machine); a leaked one stays. So: the zombies seen now that are still there later.
      const seen = zombieChildren(agent.pid);
      await new Promise((r) => setTimeout(r, 1000));
      expect(zombieChildren(agent.pid).filter((pid) => seen.includes(pid))).toEqual([]);

      // Runs keep starting, so the count moves; a leak would keep it above the baseline for good.
      const settled = await waitUntil(() => (fds(agent.pid) <= baseline ? true : undefined), 5000);
      expect({ fds: fds(agent.pid), baseline, settled }).toMatchObject({ settled: true });

      agent.signal('SIGTERM');
      expect(await agent.exitCode()).toBe(0);
      expect(await waitUntil(() => sleepers(marker).length === 0, 3000)).toBe(true);
    } finally {
      agent.signal('SIGKILL');
      await agent.exitCode();
    }
  }, 120_000);
});
