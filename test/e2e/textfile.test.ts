/**
 * The textfile output read by the real node_exporter (Debian's prometheus-node-exporter) with only
 * its textfile collector, on a free loopback port: after `once` and during `run` it exposes every
 * check's series with the values `--dry-run` prints, no scrape error, an mtime per file; a reload
 * that removes a check removes its series. Outside CI a missing binary skips; in CI it fails.
 */
import { spawnSync } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteGroups } from '../../src/commands/delete.js';
import { once } from '../../src/commands/once.js';
import { runCommand } from '../helpers/command.js';
import { Agent, waitUntil } from '../helpers/daemon.js';
import { samplesOf } from '../helpers/exposition.js';
import { freePort } from '../helpers/pushgateway.js';
import { workdir } from '../helpers/workdir.js';

const NODE_EXPORTER = process.env.NODE_EXPORTER_BIN ?? 'prometheus-node-exporter';
const hasNodeExporter = spawnSync(NODE_EXPORTER, ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasNodeExporter && process.env.CI)
  throw new Error(`${NODE_EXPORTER} is not installed; CI must install Debian's prometheus-node-exporter`);

/** The values a dry run and a scrape must agree on (durations differ from run to run). */
const STABLE =
  /^(answer_value|temp_celsius|pushagent_check_success|pushagent_check_exit_code|pushagent_check_timed_out)\{/;
const stable = (m: Map<string, number>) => new Map([...m].filter(([k]) => STABLE.test(k)));

const CHECKS = {
  'checks/answer.yaml': 'name: answer\ncommand: echo 42\nmetric: {name: answer_value}\ninterval: 1s\n',
  'checks/temps.yaml':
    'name: temps\ncommand: "printf \'temp_celsius{sensor=\\"a\\"} 21.5\\\\ntemp_celsius{sensor=\\"b\\"} 19\\\\n\'"\ninterval: 1s\n',
  'checks/broken.yaml': 'name: broken\ncommand: exit 3\nmetric: {name: broken_value}\ninterval: 1s\n',
};

describe.skipIf(!hasNodeExporter)('textfile read by a real node_exporter', () => {
  let exporter: ResultPromise | undefined;
  let agent: Agent | undefined;
  afterEach(async () => {
    agent?.signal('SIGKILL');
    await agent?.exitCode();
    exporter?.kill('SIGTERM');
    await exporter;
  });

  it("after once and during run: the dry-run values, no scrape error, an mtime per file; a removed check's series go on reload", async () => {
    const dir = await workdir({
      'pushagent.config.yaml': 'textfile: {directory: tf}\nlabels: {dc: fra}\ndefaults: {interval: 1s}\n',
      'tf/node_own.prom': 'node_own_value 7\n',
      ...CHECKS,
    });
    const tf = path.join(dir, 'tf');
    const port = await freePort();
    exporter = execa(
      NODE_EXPORTER,
      [
        '--collector.disable-defaults',
        '--collector.textfile',
        `--collector.textfile.directory=${tf}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { reject: false, stdin: 'ignore' },
    );
    const scrape = async (): Promise<Map<string, number>> =>
      samplesOf(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    await waitUntil(
      () =>
        scrape().then(
          () => true,
          () => false,
        ),
      10_000,
    );
    // Up by now; if not, the failure says why.
    await expect(scrape()).resolves.toBeInstanceOf(Map);

    const dry = await runCommand(once, { dryRun: true }, { cwd: dir });
    expect(dry.stdout).toContain(`# textfile ${path.join(tf, 'pushagent_answer.prom')}\n`);
    const expected = stable(samplesOf(dry.stdout));
    expect(expected.get('answer_value{check="answer",dc="fra"}')).toBe(42);
    expect(expected.get('pushagent_check_exit_code{check="broken",dc="fra"}')).toBe(3);
    expect(expected.size).toBe(12);

    // The broken check fails (exit 1); the files are written.
    expect((await runCommand(once, {}, { cwd: dir })).exitCode).toBe(1);
    expect((await readdir(tf)).sort()).toEqual([
      'node_own.prom',
      'pushagent_answer.prom',
      'pushagent_broken.prom',
      'pushagent_temps.prom',
    ]);
    const afterOnce = await scrape();
    expect(stable(afterOnce)).toEqual(expected);
    expect(afterOnce.get('node_textfile_scrape_error{}')).toBe(0);
    expect(afterOnce.get('node_own_value{}')).toBe(7);
    for (const f of ['pushagent_answer.prom', 'pushagent_broken.prom', 'pushagent_temps.prom']) {
      expect([f, afterOnce.has(`node_textfile_mtime_seconds{file="${path.join(tf, f)}"}`)]).toEqual([f, true]);
    }

    agent = Agent.start([], { cwd: dir });
    await agent.waitForLog((l) => l.msg === 'started');
    const during = await waitUntil(async () => {
      const m = await scrape();
      return m.has('pushagent_check_runs_total{check="answer",dc="fra",result="success"}') ? m : undefined;
    }, 10_000);
    await new Promise((r) => setTimeout(r, 2000));
    const later = await scrape();
    expect(during).toBeDefined();
    expect(stable(later)).toEqual(expected);
    expect(later.get('node_textfile_scrape_error{}')).toBe(0);
    expect([...later.keys()]).toContain(`node_textfile_mtime_seconds{file="${path.join(tf, 'pushagent.prom')}"}`);

    await rm(path.join(dir, 'checks/temps.yaml'));
    agent.signal('SIGHUP');
    await agent.waitForLog((l) => l.msg === 'reloaded');
    const temps = async () => [...(await scrape()).keys()].filter((k) => k.includes('temps'));
    await waitUntil(async () => (await temps()).length === 0, 3000);
    expect(await temps()).toEqual([]);
    // The agent is still running: a write in progress is a dot-file that the rename ends.
    const files = (await readdir(tf)).filter((f) => !f.startsWith('.')).sort();
    expect(files).toEqual(['node_own.prom', 'pushagent.prom', 'pushagent_answer.prom', 'pushagent_broken.prom']);
    expect((await scrape()).get('node_textfile_scrape_error{}')).toBe(0);

    // `delete` removes this agent's files, and only them.
    agent.signal('SIGTERM');
    expect(await agent.exitCode()).toBe(0);
    agent = undefined;
    expect((await runCommand(deleteGroups, {}, { cwd: dir })).exitCode).toBe(0);
    expect(await readdir(tf)).toEqual(['node_own.prom']);
  }, 60_000);
});
