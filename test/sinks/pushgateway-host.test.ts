/**
 * `pushgateway.grouping: host` against a real Pushgateway behind a recording proxy: one group per
 * host holding every check's series labelled with its check, one PUT per tick, a failed check
 * replacing only its own part, a removed check gone, `delete` and stale-group cleanup.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { PushgatewayConfig } from '../../src/config/agent-schema.js';
import { createLogger } from '../../src/log.js';
import { AgentStats } from '../../src/metrics/agent-stats.js';
import { healthFamilies } from '../../src/metrics/health.js';
import type { MetricFamily } from '../../src/metrics/types.js';
import { pushgatewaySinks, type PushgatewaySink } from '../../src/sinks/pushgateway.js';
import type { Identity, Report } from '../../src/sinks/sink.js';
import { startRecorder, type HttpRecorder } from '../helpers/http-recorder.js';
import { family, hasPushgateway, Pushgateway, type StoredGroup } from '../helpers/pushgateway.js';

const hasPromtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const ID: Identity = { job: 'pushagent', instance: 'web01', labels: { dc: 'fra' } };
const config = (url: string): PushgatewayConfig => ({
  url: [url],
  job: 'pushagent',
  timeout: 2000,
  method: 'put',
  max_backoff: 1000,
  grouping: 'host',
});
const log = createLogger({ level: 'error', json: false, write: () => {} });
const ctxOf = (mode: 'once' | 'run', tickMs = 1000) => ({
  mode,
  dryRun: false,
  stdout: () => {},
  log,
  stats: new AgentStats('0.0.0'),
  version: '0.0.0',
  tickMs: () => tickMs,
});

const gauge = (name: string, value: number, help = 'A value.'): MetricFamily => ({
  name,
  type: 'gauge',
  help,
  samples: [{ name, labels: {}, value }],
});
const health = (success: boolean) =>
  healthFamilies({ success, durationSeconds: 0.01, exitCode: success ? 0 : 1, timedOut: false }, {});
const report = (check: string | undefined, families: MetricFamily[]): Report => ({
  identity: ID,
  check,
  families,
  timeMs: Date.now(),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The value of `name`'s sample labelled check=`check` in `group`. */
const valueOf = (group: StoredGroup | undefined, name: string, check: string) =>
  family(group, name)?.metrics.find((m) => m.labels.check === check)?.value;

describe.skipIf(!hasPushgateway)('PushgatewaySink, grouping: host', () => {
  const open: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of open.splice(0).reverse()) await c().catch(() => undefined);
  });
  const setup = async (mode: 'once' | 'run' = 'run') => {
    const gw = await Pushgateway.start();
    open.push(() => gw.stop());
    const proxy: HttpRecorder = await startRecorder({ forwardTo: gw.url });
    open.push(() => proxy.close());
    const [sink] = (await pushgatewaySinks(config(proxy.url), ctxOf(mode))) as PushgatewaySink[];
    open.push(() => sink!.close(1000));
    const hostGroups = async () => (await gw.groups()).filter((g) => g.labels.instance === 'web01');
    const puts = () => proxy.requests.filter((r) => r.method === 'PUT');
    return { gw, proxy, sink: sink!, hostGroups, puts };
  };

  it("stores one group per host: every check's series labelled check=…, same-named families merged, the agent's metrics beside them; promtool accepts the body", async () => {
    const { sink, hostGroups, puts } = await setup();
    await Promise.all([
      sink.write(report('disk', [gauge('fs_used_ratio', 0.5), ...health(true)])),
      sink.write(report('home', [gauge('fs_used_ratio', 0.25), ...health(true)])),
      sink.write(report('load', [gauge('load15', 1.5), ...health(true)])),
      sink.write(report(undefined, [gauge('pushagent_build_info', 1, 'Build.')])),
    ]);
    const groups = await hostGroups();
    expect(groups.map((g) => g.labels)).toEqual([{ job: 'pushagent', instance: 'web01', dc: 'fra' }]);
    const [g] = groups;
    expect(valueOf(g, 'fs_used_ratio', 'disk')).toBe('0.5');
    expect(valueOf(g, 'fs_used_ratio', 'home')).toBe('0.25');
    expect(valueOf(g, 'load15', 'load')).toBe('1.5');
    expect(
      family(g, 'pushagent_check_success')
        ?.metrics.map((m) => m.labels.check)
        .sort(),
    ).toEqual(['disk', 'home', 'load']);
    expect(family(g, 'pushagent_build_info')?.metrics).toHaveLength(1);
    // The four writes share one PUT.
    expect(puts()).toHaveLength(1);
    const body = puts()[0]!.body;
    expect(body.match(/^# TYPE fs_used_ratio gauge$/gm)).toHaveLength(1);
    if (hasPromtool) {
      expect(
        execFileSync('promtool', ['check', 'metrics'], {
          input: body,
          encoding: 'utf8',
          stdio: ['pipe', 'pipe', 'pipe'],
        }),
      ).toBe('');
    }
  });

  it('PUTs at most once per tick however often checks finish', async () => {
    const { sink, puts } = await setup();
    const until = Date.now() + 2500;
    let n = 0;
    while (Date.now() < until) {
      void sink.write(report(`c${n % 8}`, [gauge('x_value', n), ...health(true)]));
      n += 1;
      await sleep(25);
    }
    await sleep(1200);
    const times = puts().map((r) => r.atMs);
    // ~100 results over 2.5 s with a 1 s tick: 3 or 4 PUTs, each at least a tick after the previous.
    expect(n).toBeGreaterThan(50);
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect(times.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(950);
  });

  it('a failed check replaces only its own part (its health gauges); a removed check vanishes from the next PUT', async () => {
    const { sink, hostGroups } = await setup();
    await Promise.all([
      sink.write(report('disk', [gauge('disk_used_ratio', 0.5), ...health(true)])),
      sink.write(report('load', [gauge('load15', 1.5), ...health(true)])),
    ]);
    await sink.write(report('disk', health(false)));
    let [g] = await hostGroups();
    expect(family(g, 'disk_used_ratio')).toBeUndefined();
    expect(valueOf(g, 'pushagent_check_success', 'disk')).toBe('0');
    expect(valueOf(g, 'load15', 'load')).toBe('1.5');
    expect(valueOf(g, 'pushagent_check_success', 'load')).toBe('1');

    await sink.remove(ID, 'load');
    [g] = await hostGroups();
    expect(family(g, 'load15')).toBeUndefined();
    expect(family(g, 'pushagent_check_success')?.metrics.map((m) => m.labels.check)).toEqual(['disk']);
  });

  it("purge deletes the per-check groups of the other mode and keeps the host's; keeping nothing (`delete`) deletes it too", async () => {
    const { gw, sink, hostGroups } = await setup();
    await fetch(`${gw.url}/metrics/job/pushagent/instance/web01/check/disk/dc/fra`, {
      method: 'PUT',
      body: 'old_value 1\n',
    });
    await fetch(`${gw.url}/metrics/job/pushagent/instance/elsewhere/check/disk`, {
      method: 'PUT',
      body: 'old_value 1\n',
    });
    await sink.write(report('disk', [gauge('disk_used_ratio', 0.5), ...health(true)]));
    const purged = await sink.purge(ID, { checks: ['disk'], agent: true });
    expect(purged).toEqual([
      { target: sink.target, ok: true, subject: 'job="pushagent",instance="web01",check="disk",dc="fra"' },
    ]);
    expect((await hostGroups()).map((g) => g.labels)).toEqual([{ job: 'pushagent', instance: 'web01', dc: 'fra' }]);

    const deleted = await sink.purge(ID, { checks: [], agent: false });
    expect(deleted.map((o) => o.subject)).toEqual(['job="pushagent",instance="web01",dc="fra"']);
    expect(await hostGroups()).toEqual([]);
    expect((await gw.groups()).filter((g) => g.labels.instance === 'elsewhere')).toHaveLength(1);
  });

  it('`once`: one PUT with everything, when the sink closes', async () => {
    const { sink, hostGroups, puts } = await setup('once');
    const written = [
      sink.write(report('disk', [gauge('disk_used_ratio', 0.5), ...health(true)])),
      sink.write(report('load', [gauge('load15', 1.5), ...health(true)])),
    ];
    await sleep(300);
    expect(puts()).toHaveLength(0);
    expect(await sink.close(2000)).toBe(true);
    expect(await Promise.all(written)).toEqual([
      { target: sink.target, ok: true },
      { target: sink.target, ok: true },
    ]);
    expect(puts()).toHaveLength(1);
    const [g] = await hostGroups();
    expect(valueOf(g, 'disk_used_ratio', 'disk')).toBe('0.5');
    expect(valueOf(g, 'load15', 'load')).toBe('1.5');
  });
});
