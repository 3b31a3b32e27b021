/**
 * contrib/alerts.yaml through promtool, as an operator would load it: `promtool check rules` and
 * the unit tests in contrib/alerts.test.yaml (`promtool test rules`, also runnable by hand). Plus
 * what promtool does not check: every alert is written for a person woken at 3 a.m., tested both
 * firing and not firing, and explained in docs/operating.md (batch jobs': docs/batch-jobs.md).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../helpers/cli.js';

const PROMTOOL = process.env.PROMTOOL_BIN ?? 'promtool';
const hasPromtool = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasPromtool && process.env.CI) throw new Error("promtool is not installed; CI must install Debian's prometheus");
if (!hasPromtool) console.warn('skipping promtool alert rule tests: promtool not found (apt-get install prometheus)');

const RULES = path.join(REPO, 'contrib/alerts.yaml');
const TESTS = path.join(REPO, 'contrib/alerts.test.yaml');

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  alert_rule_test: { alertname: string; exp_alerts: unknown[] }[];
}

const alerts = (parse(readFileSync(RULES, 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const tests = (parse(readFileSync(TESTS, 'utf8')) as { tests: RuleTest[] }).tests.flatMap((t) => t.alert_rule_test);

function promtool(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(PROMTOOL, args, { cwd: REPO, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe.skipIf(!hasPromtool)('contrib/alerts.yaml with promtool', () => {
  it('passes `promtool check rules`', () => {
    const r = promtool('check', 'rules', 'contrib/alerts.yaml');
    expect(r.output).toContain(`SUCCESS: ${alerts.length} rules found`);
    expect(r.status).toBe(0);
  });

  it('passes its unit tests: `promtool test rules contrib/alerts.test.yaml`', () => {
    const r = promtool('test', 'rules', 'contrib/alerts.test.yaml');
    expect(r.output, r.output).toMatch(/SUCCESS/);
    expect(r.status, r.output).toBe(0);
  });
});

describe('contrib/alerts.yaml, for the person who gets paged', () => {
  it('has the alerts docs/operating.md explains', () => {
    // Batch jobs' alerts are explained with `exec`, in docs/batch-jobs.md.
    const readme = ['docs/operating.md', 'docs/batch-jobs.md']
      .map((f) => readFileSync(path.join(REPO, f), 'utf8'))
      .join('\n');
    expect(alerts.map((a) => a.alert)).toEqual([
      'PushgatewayDown',
      'PushagentHostSilent',
      'PushagentCheckFailing',
      'PushagentCheckTimingOut',
      'PushagentPushesFailing',
      'PushagentPingLoss',
      'PushagentJobNotSucceeding',
      'PushagentJobRunningLong',
    ]);
    const unexplained = alerts.map((a) => a.alert).filter((name) => !readme.includes(`\`${name}\``));
    expect(unexplained, 'alerts docs/operating.md and docs/batch-jobs.md do not name').toEqual([]);
  });

  it.each(alerts.map((a) => [a.alert, a] as const))(
    '%s waits (for:), has a severity, a summary and a description naming where to look',
    (_name, a) => {
      expect(a.for).toMatch(/^\d+m$/);
      expect(['critical', 'warning']).toContain(a.labels?.severity);
      // A batch job pushed without --instance has none: its alerts name the job.
      expect(a.annotations?.summary).toMatch(/\{\{ \$labels\.instance \}\}|\$labels\.job \}\}/);
      expect(a.annotations?.description?.length).toBeGreaterThan(150);
      // Every description gives a command to run first.
      expect(a.annotations?.description).toMatch(/`[^`]+`/);
    },
  );

  it.each(alerts.map((a) => [a.alert] as const))('%s is tested firing and not firing', (name) => {
    const evals = tests.filter((t) => t.alertname === name);
    expect(
      evals.some((t) => t.exp_alerts.length > 0),
      'an evaluation where it fires',
    ).toBe(true);
    expect(
      evals.some((t) => t.exp_alerts.length === 0),
      'an evaluation where it does not',
    ).toBe(true);
  });
});
