/**
 * The npm package: `npm pack` holds only what runs, installs globally into a temporary prefix with
 * no registry (nothing to fetch: the CLI is bundled), and works from there.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/cli.js';
import { removeAfterTest } from './helpers/workdir.js';

describe('npm package', () => {
  it('packs only what runs, installs into a prefix and runs --version and once --dry-run', async () => {
    const { version } = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    const tmp = await mkdtemp(path.join(tmpdir(), 'pushagent-pack-'));
    removeAfterTest(tmp);
    // dist/ was built by `npm test`; --ignore-scripts keeps pack from building it again.
    const packed = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: REPO });
    const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path).sort();
    expect(files.filter((f) => !/^(dist\/|schema\/|contrib\/|docs\/)/.test(f))).toEqual([
      'LICENSE',
      'README.md',
      'package.json',
    ]);
    // The README links into docs/: they ship with it.
    expect(files).toContain('docs/remote-write.md');
    expect(files).toContain('dist/cli.js');
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.ts'))).toEqual([]);

    const prefix = path.join(tmp, 'prefix');
    await execa('npm', [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--offline',
      '--no-audit',
      '--no-fund',
      path.join(tmp, info!.filename),
    ]);
    const bin = path.join(prefix, 'bin', 'pushagent');
    expect((await execa(bin, ['--version'])).stdout).toBe(version);

    const dry = await execa(bin, ['once', '--dry-run'], { cwd: REPO, reject: false });
    expect(dry.stderr).toMatch(/^ok\s+netstat_wait /m);
    expect(dry.stdout).toMatch(/^# group job="pushagent",instance="[^"]+",check="netstat_wait"$/m);
    expect(dry.exitCode).toBe(0);
  }, 120_000);
});
