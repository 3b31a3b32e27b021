/** `hostname -f` as resolveInstance runs it: a fake `hostname` first on PATH stands in for the host's. */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveInstance } from '../src/host.js';

const PATH = process.env.PATH;
let dir: string | undefined;
afterEach(async () => {
  process.env.PATH = PATH;
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function fakeHostname(script: string): Promise<void> {
  dir = await mkdtemp(path.join(tmpdir(), 'pushagent-hostname-'));
  await writeFile(path.join(dir, 'hostname'), `#!/bin/sh\n${script}\n`);
  await chmod(path.join(dir, 'hostname'), 0o755);
  process.env.PATH = `${dir}:${PATH}`;
}

describe('resolveInstance runs `hostname -f`', () => {
  it('takes its stdout without the final line end, with LC_ALL=C (blanks around it are refused: test/host.test.ts)', async () => {
    await fakeHostname('[ "$1" = -f ] && [ "$LC_ALL" = C ] && echo "web01.example.com"');
    expect(await resolveInstance(undefined)).toBe('web01.example.com');
  });

  it('says how it failed, in one line', async () => {
    await fakeHostname('echo "hostname: Name or service not known" >&2; exit 1');
    await expect(resolveInstance(undefined)).rejects.toThrow(
      /^cannot find this host's FQDN \(`hostname -f` failed: Command failed with exit code 1: hostname -f\); set `instance:` in the config$/,
    );
  });

  it('a configured instance runs nothing', async () => {
    await fakeHostname('exit 1');
    expect(await resolveInstance('db02.example.com')).toBe('db02.example.com');
  });
});
