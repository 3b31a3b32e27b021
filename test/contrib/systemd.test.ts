/**
 * contrib/pushagent.service checked by systemd's own tools (Debian's systemd; no running systemd
 * needed): `systemd-analyze verify` and `systemd-analyze security --offline`.
 *
 * verify also checks that ExecStart's program exists and is executable. The unit names
 * /usr/local/bin/pushagent (where `npm install -g` puts it), which a test machine does not have, so
 * the unit is verified as a temporary copy whose /usr/local/bin/pushagent is replaced by node and
 * the built dist/cli.js, nothing else changed; and the shipped file is verified as it is, where the
 * missing program must be the only finding.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDuration } from '../../src/common/duration.js';
import { CLI, REPO } from '../helpers/cli.js';

const ANALYZE = 'systemd-analyze';
const hasAnalyze = spawnSync(ANALYZE, ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasAnalyze && process.env.CI)
  throw new Error("systemd-analyze is not installed; CI must install Debian's systemd");
if (!hasAnalyze) console.warn('skipping systemd unit checks: systemd-analyze not found (apt-get install systemd)');

const SHIPPED = path.join(REPO, 'contrib/pushagent.service');
const UNIT = readFileSync(SHIPPED, 'utf8');
const BIN = '/usr/local/bin/pushagent';

function analyze(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync(ANALYZE, args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

/** `Key=value` settings of the unit, in order (a key may repeat, like ExecReload). */
function settings(unit: string): [string, string][] {
  return unit
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}
const setting = (key: string) =>
  settings(UNIT)
    .filter(([k]) => k === key)
    .map(([, v]) => v);

describe.skipIf(!hasAnalyze)('contrib/pushagent.service with systemd-analyze', () => {
  let dir: string;
  let unit: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pushagent-unit-'));
    unit = path.join(dir, 'pushagent.service');
    expect(UNIT.split(BIN).length - 1).toBe(2); // ExecStart and the validating ExecReload
    await writeFile(unit, UNIT.replaceAll(BIN, `${process.execPath} ${CLI}`));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('`systemd-analyze verify` finds nothing (with ExecStart pointing at the built CLI)', () => {
    // verify exits 0 on unknown keys and bad values too, and only prints them: any output is a finding.
    expect(analyze('verify', unit)).toEqual({ status: 0, output: '' });
  });

  it('as shipped, the only finding is that /usr/local/bin/pushagent is not installed here', () => {
    const r = analyze('verify', SHIPPED);
    const findings = r.output.split('\n').filter((l) => l !== '');
    const others = findings.filter((l) => !l.endsWith(`Command ${BIN} is not executable: No such file or directory`));
    expect(others).toEqual([]);
  });

  it('`systemd-analyze security --offline` rates its exposure 2.5 or less (of 10)', () => {
    // The threshold is on systemd's internal 0-100 scale; the summary prints it divided by 10.
    const r = analyze('security', '--offline=yes', '--threshold=25', '--no-pager', unit);
    const overall = /Overall exposure level for pushagent\.service: (\d+\.\d)/.exec(r.output);
    expect(Number(overall?.[1])).toBeLessThanOrEqual(2.5);
    expect(r.status).toBe(0);
  });
});

describe('contrib/pushagent.service policy', () => {
  it('gives the agent longer to stop than it may take: the longest default check timeout + kill_grace + shutdown_timeout', () => {
    const example = parse(readFileSync(path.join(REPO, 'config.example.yaml'), 'utf8')) as {
      shutdown_timeout: string;
      defaults: { timeout: string; kill_grace: string };
    };
    const needed = [example.defaults.timeout, example.defaults.kill_grace, example.shutdown_timeout].map((d) =>
      parseDuration(d)!,
    );
    const [stop] = setting('TimeoutStopSec');
    expect(parseDuration(stop!)!).toBeGreaterThan(needed.reduce((a, b) => a + b, 0));
  });

  it('runs `pushagent run` unprivileged, restarts on failure but not on a bad config, reloads with SIGHUP after validating, stops with mixed', () => {
    expect(setting('ExecStart')).toEqual([`${BIN} run -c /etc/pushagent/config.yaml`]);
    expect(setting('ExecReload')).toEqual([`${BIN} validate -c /etc/pushagent/config.yaml`, '/bin/kill -HUP $MAINPID']);
    expect(setting('User')).toEqual(['pushagent']);
    expect(setting('Restart')).toEqual(['on-failure']);
    expect(setting('RestartPreventExitStatus')).toEqual(['3']);
    expect(setting('KillMode')).toEqual(['mixed']);
    expect(setting('AmbientCapabilities')).toEqual(['CAP_NET_RAW']);
    expect(setting('CapabilityBoundingSet')).toEqual(['CAP_NET_RAW']);
    // Node's JIT needs writable and executable memory.
    expect(setting('MemoryDenyWriteExecute')).toEqual([]);
  });
});
