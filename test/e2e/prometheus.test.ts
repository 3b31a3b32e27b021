/**
 * End to end, as an operator would see it: pushagent → a real Pushgateway → a real Prometheus that
 * scrapes it with the scrape config exactly as docs/pushgateway.md prints it (only the target address
 * substituted) and evaluates contrib/alerts.yaml, then "type the new key in Prometheus": its HTTP
 * query API must return the series with job, instance (the FQDN) and check intact.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from '../../src/commands/once.js';
import { REPO, runCommand, VERSION } from '../helpers/command.js';
import { Agent, waitUntil } from '../helpers/daemon.js';
import { hasPrometheus, Prometheus, type VectorSample } from '../helpers/prometheus.js';
import { hasPushgateway, Pushgateway } from '../helpers/pushgateway.js';
import { workdir } from '../helpers/workdir.js';

const FQDN = execFileSync('hostname', ['-f'], { encoding: 'utf8' }).trim();
const DOC_TARGET = "'pushgateway.example.com:9091'";

/** The first ```yaml block under docs/pushgateway.md's "Prometheus scrape config" heading, as printed. */
function docScrapeConfig(doc: string): string {
  const section = doc.split(/^## /m).find((s) => s.startsWith('Prometheus scrape config\n'));
  if (!section) throw new Error('docs/pushgateway.md has no "## Prometheus scrape config" section');
  const block = /^```yaml\n([\s\S]*?)^```$/m.exec(section)?.[1];
  if (!block) throw new Error('docs/pushgateway.md\'s "Prometheus scrape config" section has no ```yaml block');
  return block;
}

const own = (s: VectorSample) => s.metric.job === 'pushagent' && s.metric.instance === FQDN;

describe.skipIf(!hasPushgateway || !hasPrometheus)('end to end through a real Prometheus', () => {
  let gw: Pushgateway;
  let prom: Prometheus;
  let agent: Agent | undefined;

  beforeAll(async () => {
    gw = await Pushgateway.start();
    const scrape = docScrapeConfig(readFileSync(path.join(REPO, 'docs/pushgateway.md'), 'utf8'));
    expect(scrape).toMatch(/^\s+honor_labels: true$/m);
    expect(scrape.split(DOC_TARGET)).toHaveLength(2); // exactly one target, the one replaced
    const target = `'${new URL(gw.url).host}'`;
    // Ours: how often to scrape and evaluate (fast), and the alert rules. docs/pushgateway.md's: all the rest.
    prom = await Prometheus.start(
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n` +
        `rule_files:\n  - ${JSON.stringify(path.join(REPO, 'contrib/alerts.yaml'))}\n` +
        scrape.replace(DOC_TARGET, target),
    );
  });

  afterAll(async () => {
    if (agent) {
      agent.signal('SIGKILL');
      await agent.exitCode();
    }
    await prom?.stop();
    await gw?.stop();
  });

  /** Polls an instant query until `accept` returns something, for at most 10 s (scrapes are every second). */
  async function until<T>(expr: string, accept: (r: VectorSample[]) => T | undefined): Promise<T> {
    let last: VectorSample[] = [];
    return poll(
      async () => accept((last = await prom.query(expr))),
      () => `${expr}: last answer ${JSON.stringify(last)}`,
    );
  }

  it('once, then run: the series arrive with job, instance and check intact; health and agent gauges are queryable; the alert rules evaluate', async () => {
    const dir = await workdir({
      // defaults.interval: how often `run` pushes its own group (the shipped netstat check keeps its 15s).
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url}\ndefaults: {interval: 1s}\n`,
      'checks/netstat-wait.yaml': readFileSync(path.join(REPO, 'checks/netstat-wait.yaml'), 'utf8'),
      'checks/broken.yaml': 'name: broken\ncommand: exit 3\ninterval: 500ms\nmetric: {name: broken_value}\n',
    });

    const first = await runCommand(once, { version: VERSION }, { cwd: dir });
    expect(first.stderr).toMatch(/^ok\s+netstat_wait .*pushed to/m);
    expect(first.stderr).toMatch(/^FAIL\s+broken .*exit code 3/m);
    expect(first.exitCode).toBe(1);

    // The old script's number, under exactly the labels pushagent pushed: with honor_labels the
    // gateway's own job/instance do not replace them (no exported_job, no exported_instance).
    const [netstat] = await until('count_netstat_wait_connections', (r) => (r.length > 0 ? r : undefined));
    expect(netstat!.metric).toEqual({
      __name__: 'count_netstat_wait_connections',
      job: 'pushagent',
      instance: FQDN,
      check: 'netstat_wait',
    });
    expect(Number(netstat!.value[1])).toBeGreaterThanOrEqual(0);

    const success = await prom.query('pushagent_check_success');
    expect(
      success
        .filter(own)
        .map((s) => [s.metric.check, s.value[1]])
        .sort(),
    ).toEqual([
      ['broken', '0'],
      ['netstat_wait', '1'],
    ]);
    const exit = await prom.query(`pushagent_check_exit_code{job="pushagent",instance="${FQDN}",check="broken"}`);
    expect(exit.map((s) => s.value[1])).toEqual(['3']);
    // What PushagentHostSilent reads: the gateway's push time of each group, labelled like the group.
    const pushed = await prom.query(`push_time_seconds{job="pushagent",instance="${FQDN}",check="netstat_wait"}`);
    expect(Date.now() / 1000 - Number(pushed[0]?.value[1])).toBeLessThan(30);

    // The daemon pushes its own group (job and instance, no check) at start and every second here;
    // its per-check counters keep their `check` label.
    agent = Agent.start([], { cwd: dir });
    const build = await until('pushagent_build_info', (r) => r.find(own));
    expect(build.metric).toEqual({
      __name__: 'pushagent_build_info',
      job: 'pushagent',
      instance: FQDN,
      version: VERSION,
    });
    await until(`pushagent_check_runs_total{check="broken",result="failure"} >= 1`, (r) => r.find(own));
    agent.signal('SIGTERM');
    expect(await agent.exitCode()).toBe(0);
    agent = undefined;

    // The alert rules evaluate against real series without errors (no many-to-many matches)...
    const rules = await poll(
      async () => {
        const all = await prom.rules();
        return all.length > 0 && all.every((r) => !r.lastEvaluation.startsWith('0001-')) ? all : undefined;
      },
      () => 'every alert rule evaluated',
    );
    expect(rules.map((r) => [r.name, r.health, r.lastError ?? ''])).toEqual(rules.map((r) => [r.name, 'ok', '']));
    // ...and the failing check is pending (its `for:` is 10 minutes); nothing else is active: the
    // host pushes, the gateway is up, netstat_wait succeeds.
    const alerts = await poll(
      async () => {
        const active = await prom.alerts();
        return active.some((a) => a.labels.alertname === 'PushagentCheckFailing') ? active : undefined;
      },
      () => 'PushagentCheckFailing pending',
    );
    expect(alerts.map((a) => [a.labels.alertname, a.labels.instance, a.labels.check, a.state])).toEqual([
      ['PushagentCheckFailing', FQDN, 'broken', 'pending'],
    ]);
  });
});

/** Polls `probe` until it returns something, for at most 10 s; the error says what was awaited. */
async function poll<T>(probe: () => Promise<T | undefined>, what: () => string): Promise<T> {
  const found = await waitUntil(probe, 10_000);
  if (found === undefined) throw new Error(`not within 10s: ${what()}`);
  return found;
}
