/**
 * `pushagent delete`, in-process, against a real Pushgateway read back through its API. The CLI's
 * wiring of it is tested in test/cli.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteGroups } from '../../src/commands/delete.js';
import { once } from '../../src/commands/once.js';
import { runCommand, VERSION } from '../helpers/command.js';
import { hasPushgateway, Pushgateway } from '../helpers/pushgateway.js';
import { workdir } from '../helpers/workdir.js';

const FQDN = execFileSync('hostname', ['-f'], { encoding: 'utf8' }).trim();

describe.skipIf(!hasPushgateway)('delete', () => {
  let gw: Pushgateway;
  beforeAll(async () => {
    gw = await Pushgateway.start();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('empties this instance at every gateway (exit 0); a gateway down is exit 2', async () => {
    const dir = await workdir({
      'pushagent.config.yaml': `pushgateway:\n  url: ${gw.url}\n`,
      'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n',
    });
    expect((await runCommand(once, { version: VERSION }, { cwd: dir })).exitCode).toBe(0);
    await fetch(`${gw.url}/metrics/job/pushagent/instance/${FQDN}/check/old_one`, {
      method: 'PUT',
      body: 'old_value 1\n',
    });
    await fetch(`${gw.url}/metrics/job/pushagent/instance/elsewhere/check/a`, { method: 'PUT', body: 'a_value 1\n' });
    const r = await runCommand(deleteGroups, { version: VERSION }, { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`deleted job="pushagent",instance="${FQDN}",check="old_one" at ${gw.url}`);
    const left = await gw.groups();
    expect(left.filter((g) => g.labels.instance === FQDN)).toEqual([]);
    expect(left.filter((g) => g.labels.instance === 'elsewhere')).toHaveLength(1);

    const down = await workdir({
      'pushagent.config.yaml': 'pushgateway:\n  url: http://127.0.0.1:1\n',
      'checks/.keep': '',
    });
    const r2 = await runCommand(deleteGroups, { version: VERSION }, { cwd: down });
    expect(r2.exitCode).toBe(2);
    expect(r2.stderr).toContain('list groups at http://127.0.0.1:1/api/v1/metrics failed: ECONNREFUSED');
  });
});
