/**
 * remote_write into the real receivers from Debian's packages: Prometheus 2.42 with
 * --web.enable-remote-write-receiver, and VictoriaMetrics. What a query sees must match what
 * `--dry-run` prints; series of a removed check end at once (stale markers); nothing is refused as
 * out of order; an outage of the receiver loses no run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { once } from '../../src/commands/once.js';
import { runCommand } from '../helpers/command.js';
import { Agent, waitUntil } from '../helpers/daemon.js';
import { hasPrometheus, Prometheus, vectorOf } from '../helpers/prometheus.js';
import { hasVictoriaMetrics, VictoriaMetrics } from '../helpers/victoria-metrics.js';
import { workdir } from '../helpers/workdir.js';

const FQDN = execFileSync('hostname', ['-f'], { encoding: 'utf8' }).trim();

/** `name{labels} value ts` lines of `once --dry-run`'s remote_write preview, keyed as vectorOf's. */
function dryRunValues(stdout: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const m = /^(\S+\{.*\}) (\S+) \d+$/.exec(line);
    if (m) values.set(m[1]!, m[2]!);
  }
  return values;
}

const rssMiB = (pid: number): number =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

const CHECKS = {
  'checks/answer.yaml': 'name: answer\ncommand: echo 42\nmetric: {name: answer_value}\ninterval: 1s\n',
  'checks/temps.yaml':
    'name: temps\ncommand: "printf \'temp_celsius{sensor=\\"a\\"} 21.5\\\\ntemp_celsius{sensor=\\"b\\"} 19\\\\n\'"\ninterval: 1s\n',
  'checks/broken.yaml': 'name: broken\ncommand: exit 3\nmetric: {name: broken_value}\ninterval: 1s\n',
};

describe.skipIf(!hasPrometheus)('remote_write into a real Prometheus', () => {
  let prom: Prometheus | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    agent?.signal('SIGKILL');
    await agent?.exitCode();
    await prom?.stop();
  });

  it('series arrive with job, instance and check and the values --dry-run prints; a removed check ends at once; nothing out of order', async () => {
    prom = await Prometheus.start('global: {}\n', ['--web.enable-remote-write-receiver']);
    const dir = await workdir({
      'pushagent.config.yaml': `remote_write:\n  - url: ${prom.url}/api/v1/write\ndefaults: {interval: 1s}\n`,
      ...CHECKS,
    });
    const dry = dryRunValues((await runCommand(once, { dryRun: true }, { cwd: dir })).stdout);
    expect(dry.get(`answer_value{check="answer",instance="${FQDN}",job="pushagent"}`)).toBe('42');

    agent = Agent.start([], { cwd: dir });
    const query = async (expr: string) => vectorOf(await prom!.query(expr));
    const got = await waitUntil(async () => {
      const m = await query(
        '{job="pushagent",__name__=~"answer_value|temp_celsius|pushagent_check_success|pushagent_check_exit_code"}',
      );
      return m.size >= 9 ? m : undefined;
    }, 10_000);
    expect(got).toBeDefined();
    for (const key of [
      `answer_value{check="answer",instance="${FQDN}",job="pushagent"}`,
      `temp_celsius{check="temps",instance="${FQDN}",job="pushagent",sensor="a"}`,
      `temp_celsius{check="temps",instance="${FQDN}",job="pushagent",sensor="b"}`,
      `pushagent_check_success{check="broken",instance="${FQDN}",job="pushagent"}`,
      `pushagent_check_exit_code{check="broken",instance="${FQDN}",job="pushagent"}`,
    ]) {
      expect([key, got!.get(key)]).toEqual([key, dry.get(key)]);
    }
    // The agent's own metrics go too, with the check label on per-check series.
    await waitUntil(
      async () => (await query(`pushagent_check_runs_total{check="answer",instance="${FQDN}"}`)).size === 1,
      10_000,
    );

    // A reload that removes a check: its series end with stale markers, gone from an instant query within a second.
    await rm(path.join(dir, 'checks/temps.yaml'));
    agent.signal('SIGHUP');
    const reloaded = await agent.waitForLog((l) => l.msg === 'reloaded');
    const goneAt = await waitUntil(
      async () => ((await query('temp_celsius')).size === 0 ? Date.now() : undefined),
      3000,
    );
    expect(goneAt).toBeDefined();
    expect(goneAt! - Date.parse(reloaded.ts)).toBeLessThan(1000);
    expect((await query('answer_value')).size).toBe(1);

    // A graceful stop ends every series.
    agent.signal('SIGTERM');
    expect(await agent.exitCode()).toBe(0);
    agent = undefined;
    const ended = await waitUntil(async () => (await query('{job="pushagent"}')).size === 0, 3000);
    expect([ended, [...(await query('{job="pushagent"}')).keys()]]).toEqual([true, []]);
    // Through runs, a reload and a stop, Prometheus refused nothing.
    expect(await prom.ownMetric('prometheus_tsdb_out_of_order_samples_total')).toBe(0);
    expect(await prom.ownMetric('prometheus_tsdb_out_of_bound_samples_total')).toBe(0);
    expect(
      await prom.ownMetric('prometheus_http_requests_total', ['handler="/api/v1/write"', 'code="204"']),
    ).toBeGreaterThan(0);
    expect(await prom.ownMetric('prometheus_http_requests_total', ['handler="/api/v1/write"', 'code="400"'])).toBe(0);
  }, 60_000);
});

describe.skipIf(!hasVictoriaMetrics)('remote_write into a real VictoriaMetrics', () => {
  let vm: VictoriaMetrics | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    agent?.signal('SIGKILL');
    await agent?.exitCode();
    await vm?.stop();
  });

  it("the same series and values; a 20 s outage loses no run, with the agent's memory bounded", async () => {
    vm = await VictoriaMetrics.start();
    const dir = await workdir({
      'pushagent.config.yaml': `remote_write:\n  - url: ${vm.url}/api/v1/write\n    max_backoff: 2s\n`,
      ...CHECKS,
    });
    const dry = dryRunValues((await runCommand(once, { dryRun: true }, { cwd: dir })).stdout);
    agent = Agent.start([], { cwd: dir });
    const key = `answer_value{check="answer",instance="${FQDN}",job="pushagent"}`;
    const first = await waitUntil(async () => vectorOf(await vm!.query('answer_value')).get(key), 15_000);
    expect(first).toBe(dry.get(key));
    // Each check's report is its own write: the other check's may land a moment later.
    const tempKey = `temp_celsius{check="temps",instance="${FQDN}",job="pushagent",sensor="a"}`;
    const temp = await waitUntil(async () => vectorOf(await vm!.query('temp_celsius')).get(tempKey), 15_000);
    expect(temp).toBe('21.5');

    const rssBefore = rssMiB(agent.pid);
    const down = Date.now();
    await vm.pause();
    let rssMax = rssBefore;
    while (Date.now() - down < 20_000) {
      await new Promise((r) => setTimeout(r, 1000));
      rssMax = Math.max(rssMax, rssMiB(agent.pid));
    }
    await vm.resume();
    const up = Date.now();
    // Every run of the outage arrives: a sample a second, without a gap, from before it to after it.
    const span = await waitUntil(async () => {
      const [ts = []] = await vm!.timestamps('answer_value{check="answer"}');
      const inside = ts.filter((t) => t >= down - 3000 && t <= up + 2000);
      return inside.length > 0 && inside.at(-1)! >= up + 1000 ? inside : undefined;
    }, 20_000);
    expect(span).toBeDefined();
    const gaps = span!.slice(1).map((t, i) => t - span![i]!);
    expect(Math.max(...gaps)).toBeLessThan(1100);
    expect(span!.length).toBeGreaterThanOrEqual(Math.floor((up - down) / 1000) + 4);
    expect(rssMax - rssBefore).toBeLessThan(30);
  }, 90_000);
});
