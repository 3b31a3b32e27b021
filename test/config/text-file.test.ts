/**
 * Only regular files (or symlinks to them) of at most 1 MiB, in strict UTF-8, are read as the
 * config or a check file; anything else is a problem naming the file, found with every other
 * problem, and never a hang. YAML aliases that expand too far are refused the same way.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { load } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { workdir } from '../helpers/workdir.js';

const CHECK = 'name: ok\ncommand: echo 1\nmetric: {name: ok_value}\n';
const MIB = 1024 * 1024;
const BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x]',
  ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(', ')}]`),
].join('\n');

/** The problems load() reports, as validate prints them; fails the test rather than hang. */
async function problemsOf(cwd: string, configFile?: string): Promise<string[]> {
  const loading = load({ cwd, configFile, env: {} }).then(
    () => [],
    (e: unknown) => {
      if (!(e instanceof ConfigError)) throw e;
      return e.problems.map(formatProblem);
    },
  );
  const hang = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('load() hung')), 5000).unref());
  return Promise.race([loading, hang]);
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

describe('check files that are not regular files', () => {
  it('refuses each by name, listed with the other problems: FIFO, device, socket, folder, broken symlink', async () => {
    const cwd = await workdir({
      'checks/ok.yaml': CHECK,
      'checks/typo.yaml': 'name: typo\ncommand: echo 1\nmetrc: {}\n',
    });
    const checks = path.join(cwd, 'checks');
    execFileSync('mkfifo', [path.join(checks, 'fifo.yaml')]);
    await symlink('/dev/zero', path.join(checks, 'zero.yaml'));
    await symlink('nowhere.yaml', path.join(checks, 'gone.yaml'));
    await mkdir(path.join(checks, 'folder.yml'));
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(path.join(checks, 'socket.yaml'), resolve));
    expect(await problemsOf(cwd)).toEqual([
      'checks/fifo.yaml: cannot read the check file: is a named pipe (FIFO), not a regular file',
      'checks/folder.yml: cannot read the check file: is a directory',
      'checks/gone.yaml: cannot read the check file: is a broken symbolic link',
      'checks/socket.yaml: cannot read the check file: is a socket, not a regular file',
      expect.stringMatching(/^checks\/typo\.yaml:3:1: check "typo": unknown key "metrc"/),
      'checks/zero.yaml: cannot read the check file: is a character device, not a regular file',
    ]);
  });

  it('reads a symlink to a regular file', async () => {
    const cwd = await workdir({ 'shared/ok.yaml': CHECK, 'checks/.keep': '' });
    await symlink('../shared/ok.yaml', path.join(cwd, 'checks/ok.yaml'));
    expect(await problemsOf(cwd)).toEqual([]);
  });

  it('takes 1 MiB, refuses a byte more', async () => {
    const padded = (size: number) => CHECK + '#'.repeat(size - CHECK.length - 1) + '\n';
    const cwd = await workdir({ 'checks/ok.yaml': padded(MIB), 'checks/big.yaml': padded(MIB + 1) });
    expect(await problemsOf(cwd)).toEqual([
      'checks/big.yaml: cannot read the check file: is larger than the limit of 1 MiB (1048577 bytes)',
    ]);
  });

  it('refuses bytes that are not UTF-8, at their line', async () => {
    const cwd = await workdir({ 'checks/.keep': '' });
    await writeFile(
      path.join(cwd, 'checks/latin1.yaml'),
      Buffer.from('name: cafe\ncommand: echo caf\xe9\nmetric: {name: v}\n', 'latin1'),
    );
    expect(await problemsOf(cwd)).toEqual([
      'checks/latin1.yaml:2:1: expected UTF-8 text, found bytes that are not UTF-8 on this line',
    ]);
  });

  it('refuses an alias bomb at its first alias', async () => {
    const cwd = await workdir({ 'checks/bomb.yaml': `${BOMB}\n`, 'checks/ok.yaml': CHECK });
    expect(await problemsOf(cwd)).toEqual([
      'checks/bomb.yaml:2:8: invalid YAML: Excessive alias count indicates a resource exhaustion attack (aliases may expand to at most 1000 nodes each)',
    ]);
  });

  it("takes an anchor shared by many checks (300 aliases: more than yaml's default limit of 100)", async () => {
    const many = Array.from(
      { length: 300 },
      (_, i) => `- {name: c${i}, command: echo 1, metric: {name: v${i}}, labels: *team}`,
    ).join('\n');
    const cwd = await workdir({
      'checks/many.yaml': `- {name: c, command: echo 1, metric: {name: v}, labels: &team {team: ops}}\n${many}\n`,
    });
    expect(await problemsOf(cwd)).toEqual([]);
  });
});

describe('the config file (-c) that is not a regular file', () => {
  it('refuses a FIFO, a device, a folder, an over-large file, non-UTF-8 and an alias bomb', async () => {
    const cwd = await workdir({
      'checks/ok.yaml': CHECK,
      'big.yaml': `#${'x'.repeat(MIB)}\n`,
      'bomb.yaml': `${BOMB}\n`,
    });
    execFileSync('mkfifo', [path.join(cwd, 'fifo.yaml')]);
    await symlink('/dev/zero', path.join(cwd, 'zero.yaml'));
    await writeFile(path.join(cwd, 'latin1.yaml'), Buffer.from('# config\ninstance: h\xf4te\n', 'latin1'));
    expect(await problemsOf(cwd, 'fifo.yaml')).toEqual([
      'fifo.yaml: cannot read the config file: is a named pipe (FIFO), not a regular file',
    ]);
    expect(await problemsOf(cwd, 'zero.yaml')).toEqual([
      'zero.yaml: cannot read the config file: is a character device, not a regular file',
    ]);
    expect(await problemsOf(cwd, 'checks')).toEqual(['checks: cannot read the config file: is a directory']);
    expect(await problemsOf(cwd, 'big.yaml')).toEqual([
      'big.yaml: cannot read the config file: is larger than the limit of 1 MiB (1048578 bytes)',
    ]);
    expect(await problemsOf(cwd, 'latin1.yaml')).toEqual([
      'latin1.yaml:2:1: expected UTF-8 text, found bytes that are not UTF-8 on this line',
    ]);
    expect(await problemsOf(cwd, 'bomb.yaml')).toEqual([
      expect.stringMatching(/^bomb\.yaml:2:8: invalid YAML: Excessive alias count/),
    ]);
  });
});

describe('validate and once with a FIFO among the checks (the built CLI)', () => {
  it('exit 3 at once, the FIFO named with the other problems', async () => {
    const cwd = await workdir({ 'checks/ok.yaml': CHECK, 'checks/dup.yaml': CHECK });
    execFileSync('mkfifo', [path.join(cwd, 'checks/pipe.yaml')]);
    for (const verb of ['validate', 'once']) {
      const r = await runCli([verb], { cwd, timeoutMs: 10_000 });
      expect({ verb, exitCode: r.exitCode, stderr: r.stderr }).toEqual({
        verb,
        exitCode: 3,
        stderr:
          'checks/ok.yaml:1:1: check "ok" is defined twice: at checks/dup.yaml:1:1 and here\n' +
          'checks/pipe.yaml: cannot read the check file: is a named pipe (FIFO), not a regular file\n' +
          '2 problems found\n',
      });
    }
  });
});
