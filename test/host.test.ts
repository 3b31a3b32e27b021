import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { instanceProblem } from '../src/host.js';
import { runCli } from './helpers/cli.js';
import { workdir } from './helpers/workdir.js';

const LOOPBACK = 'would mix every host into one series: it is a loopback name or address, the same on every host';

describe('instanceProblem: one rule for instance: and for hostname -f', () => {
  it.each([
    'web01',
    'web01.example.com',
    'WEB01.Example.COM',
    'my host',
    'localhost.example.com',
    'localhost-1',
    '10.0.0.7',
    '127.example.com',
    '1270.0.0.1',
    '::2',
    'fe80::1',
  ])('accepts %j', (instance) => {
    expect(instanceProblem(instance)).toBeUndefined();
  });

  it.each([
    ['', 'is empty'],
    ['   ', 'holds only blanks'],
    [' web01', 'begins or ends with a blank'],
    ['web01\t', 'begins or ends with a blank'],
    ['web01\nweb02', 'holds a control character (U+000A)'],
    ['web\u000001', 'holds a control character (U+0000)'],
    ['web\u008501', 'holds a control character (U+0085)'],
    ['.', 'is not a host name'],
    ['..', 'is not a host name'],
  ])('refuses %j: %s', (instance, why) => {
    expect(instanceProblem(instance)).toBe(why);
  });

  it.each([
    'localhost',
    'LOCALHOST',
    'localhost.',
    'localhost.localdomain',
    'LocalHost.LocalDomain',
    'localhost4',
    'localhost4.localdomain4',
    'localhost6',
    'localhost6.localdomain6',
    'ip6-localhost',
    'IP6-LOOPBACK',
    '127.0.0.1',
    '127.0.1.1',
    '127.255.255.254',
    '127.1',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    '::1%lo',
  ])('refuses the loopback %j', (instance) => {
    expect(instanceProblem(instance)).toBe(LOOPBACK);
  });
});

describe('an instance from hostname -f is checked the same way: exit 3 with the reason', () => {
  const CHECK = { 'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n' };

  /** Runs `once --dry-run` with a `hostname` on PATH that prints `printed`. */
  async function onceWithHostname(printed: string) {
    const cwd = await workdir(CHECK);
    const bin = path.join(cwd, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'hostname'), `#!/bin/sh\nprintf '${printed}'\n`);
    await chmod(path.join(bin, 'hostname'), 0o755);
    return runCli(['once', '--dry-run'], { cwd, env: { PATH: `${bin}:${process.env.PATH}` } });
  }

  it.each([
    [
      'web01.example.com\\nweb02.example.com\\n',
      '"web01.example.com\\nweb02.example.com"',
      'holds a control character (U+000A)',
    ],
    ['127.0.0.1\\n', '"127.0.0.1"', LOOPBACK],
    ['::1\\n', '"::1"', LOOPBACK],
    ['ip6-localhost\\n', '"ip6-localhost"', LOOPBACK],
    ['LOCALHOST.LOCALDOMAIN\\n', '"LOCALHOST.LOCALDOMAIN"', LOOPBACK],
    ['..\\n', '".."', 'is not a host name'],
    [' web01 \\n', '" web01 "', 'begins or ends with a blank'],
    ['\\n', '""', 'is empty'],
  ])('hostname -f printing %s', async (printed, shown, why) => {
    const r = await onceWithHostname(printed);
    expect(r.stderr).toContain(
      `this host's FQDN is ${shown} (from \`hostname -f\`), which ${why}; set \`instance:\` in the config`,
    );
    expect(r.exitCode).toBe(3);
  });

  it('validate shows no phase (?) and says why, but the config stays valid (exit 0)', async () => {
    const cwd = await workdir(CHECK);
    const bin = path.join(cwd, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'hostname'), "#!/bin/sh\nprintf '127.0.0.1\\n'\n");
    await chmod(path.join(bin, 'hostname'), 0o755);
    const r = await runCli(['validate'], { cwd, env: { PATH: `${bin}:${process.env.PATH}` } });
    expect(r.stdout).toMatch(/^a\s+every 15s\s+\?\s+/m);
    expect(r.stderr).toContain(
      `phases not shown (?): this host's FQDN is "127.0.0.1" (from \`hostname -f\`), which ${LOOPBACK}`,
    );
    expect(r.exitCode).toBe(0);
  });

  it('a name hostname -f prints on one line is the instance', async () => {
    const r = await onceWithHostname('web01.example.com\\n');
    expect(r.stdout).toContain('# group job="pushagent",instance="web01.example.com",check="a"');
    expect(r.exitCode).toBe(0);
  });
});
