/**
 * `output: nagios` end to end: `once --dry-run`, in-process, running real monitoring-plugins
 * (Debian monitoring-plugins-basic) and the every-uom fixture plugin. Outside CI, missing plugins or
 * promtool skip these tests with a message; in CI they fail.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { once } from '../../src/commands/once.js';
import { runCommand, type CommandResult } from '../helpers/command.js';
import { workdir } from '../helpers/workdir.js';

const PLUGINS = '/usr/lib/nagios/plugins';
const NEEDED = ['check_load', 'check_disk', 'check_users'];
const missing = NEEDED.filter((name) => {
  try {
    accessSync(`${PLUGINS}/${name}`, constants.X_OK);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0 && process.env.CI) {
  throw new Error(`${missing.join(', ')} not found in ${PLUGINS}; CI must install Debian's monitoring-plugins-basic`);
}
if (missing.length > 0)
  console.warn(
    `skipping Nagios plugin tests: ${missing.join(', ')} not found in ${PLUGINS} (apt-get install monitoring-plugins-basic)`,
  );
const hasPromtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasPromtool && process.env.CI) throw new Error("promtool is not installed; CI must install Debian's prometheus");

const EVERY_UOM = fileURLToPath(new URL('../fixtures/nagios/plugins/every-uom.sh', import.meta.url));
const EVERY_UOM_EXPECTED = fileURLToPath(new URL('../fixtures/nagios/every-uom-ok/expected.prom', import.meta.url));

const CHECKS = `
- name: load
  argv: [${PLUGINS}/check_load, -w, "100,100,100", -c, "200,200,200"]
  output: nagios
- name: disk_root
  argv: [${PLUGINS}/check_disk, -w, "100%", -c, "100%", -p, /]
  output: nagios
- name: users
  argv: [${PLUGINS}/check_users, -w, "1000", -c, "2000"]
  output: nagios
- name: every_uom
  argv: [${EVERY_UOM}]
  output: nagios
- name: every_uom_warning
  argv: [${EVERY_UOM}, "1"]
  output: nagios
  labels: {team: ops}
- name: every_uom_unknown
  argv: [${EVERY_UOM}, "3"]
  output: nagios
`;

/** The samples of a dry-run block as `series → value`, e.g. `nagios_perfdata{label="load1"}`. */
function samples(block: string): Map<string, number> {
  const lines = block.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  return new Map(
    lines.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]),
  );
}

describe.skipIf(missing.length > 0)('output: nagios with real plugins (once --dry-run)', () => {
  let r: CommandResult;
  let blocks: Map<string, string>;
  beforeAll(async () => {
    const dir = await workdir({ 'checks/nagios.yaml': CHECKS });
    r = await runCommand(once, { dryRun: true }, { cwd: dir });
    blocks = new Map(
      r.stdout
        .split(/^(?=# group )/m)
        .filter(Boolean)
        .map((block) => [/check="(\w+)"/.exec(block)?.[1] ?? '?', block]),
    );
  });

  it("measures OK, WARNING and CRITICAL, fails UNKNOWN with the plugin's first line; exit 1", () => {
    expect([...blocks.keys()].sort()).toEqual([
      'disk_root',
      'every_uom',
      'every_uom_unknown',
      'every_uom_warning',
      'load',
      'users',
    ]);
    expect(r.stderr).toMatch(
      /^FAIL +every_uom_unknown +\d+ms +exit code 3 \(UNKNOWN\): EVERY UOM UNKNOWN - one of each unit$/m,
    );
    expect(r.stderr.match(/^ok /gm)).toHaveLength(5);
    expect(r.exitCode).toBe(1);
    const state = (check: string) => samples(blocks.get(check) ?? '').get('pushagent_nagios_state');
    expect([state('load'), state('users'), state('every_uom'), state('disk_root')]).toEqual([0, 0, 0, 2]);
    expect(samples(blocks.get('every_uom_warning') ?? '').get('pushagent_nagios_state{team="ops"}')).toBe(1);
    const unknown = samples(blocks.get('every_uom_unknown') ?? '');
    expect([...unknown.keys()].filter((k) => !k.startsWith('pushagent_check_'))).toEqual([]);
    expect([unknown.get('pushagent_check_success'), unknown.get('pushagent_check_exit_code')]).toEqual([0, 3]);
  });

  it('pushes check_load\'s load averages with their thresholds, and check_disk\'s bytes under label "/"', () => {
    const load = samples(blocks.get('load') ?? '');
    for (const avg of ['load1', 'load5', 'load15']) {
      expect(load.get(`nagios_perfdata{label="${avg}"}`)).toBeGreaterThanOrEqual(0);
      expect(load.get(`nagios_perfdata_warning{label="${avg}"}`)).toBe(100);
      expect(load.get(`nagios_perfdata_critical{label="${avg}"}`)).toBe(200);
    }
    const disk = samples(blocks.get('disk_root') ?? '');
    const used = disk.get('nagios_perfdata_bytes{label="/"}') ?? -1;
    const size = disk.get('nagios_perfdata_max_bytes{label="/"}') ?? -1;
    expect(used).toBeGreaterThan(0);
    expect(size).toBeGreaterThan(used);
    expect(disk.get('nagios_perfdata_min_bytes{label="/"}')).toBe(0);
    // -c 100% (of free space): critical as soon as anything is used, so the threshold in used bytes is 0.
    expect(disk.get('nagios_perfdata_critical_bytes{label="/"}')).toBe(0);
    expect(samples(blocks.get('users') ?? '').get('nagios_perfdata{label="users"}')).toSatisfy(Number.isInteger);
  });

  it("pushes the every-uom plugin's perfdata exactly as the golden fixture says, check labels added", () => {
    const own = (block: string) =>
      block
        .split('\n')
        .filter((line) => !line.startsWith('# group ') && !/pushagent_check_/.test(line))
        .join('\n');
    expect(own(blocks.get('every_uom') ?? '')).toBe(readFileSync(EVERY_UOM_EXPECTED, 'utf8'));
    const warning = samples(blocks.get('every_uom_warning') ?? '');
    expect(warning.get('nagios_perfdata_bytes{label="/var/log",team="ops"}')).toBeUndefined();
    expect(warning.get('nagios_perfdata_ratio{label="/var/log",team="ops"}')).toBe(0.175);
    expect(warning.get('nagios_perfdata{label="say \\"hi\\" \\\\o/",team="ops"}')).toBe(-0.5);
    expect(warning.get('nagios_perfdata_total{label="counter",team="ops"}')).toBe(123456);
  });

  it.skipIf(!hasPromtool)('every block passes `promtool check metrics` with no findings', () => {
    expect(blocks.size).toBe(6);
    for (const [check, block] of blocks) {
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: block, encoding: 'utf8' });
      expect({ check, out: lint.stdout + lint.stderr, status: lint.status }).toEqual({ check, out: '', status: 0 });
    }
  });
});
