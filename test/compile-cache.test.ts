/** The module compile cache of the built CLI: per user, off with PUSHAGENT_NO_COMPILE_CACHE=1, never fatal. */
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCacheDir } from '../src/compile-cache.js';
import { runCli } from './helpers/cli.js';
import { workdir } from './helpers/workdir.js';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const supported = major > 22 || (major === 22 && minor >= 1);

describe('compile cache', () => {
  it('lives in $XDG_CACHE_HOME/pushagent, else ~/.cache/pushagent', () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/var/cache/u' })).toBe('/var/cache/u/pushagent');
    // A relative XDG_CACHE_HOME is invalid (XDG base directory spec).
    expect(compileCacheDir({ XDG_CACHE_HOME: 'rel' })).toBe(path.join(os.homedir(), '.cache/pushagent'));
    expect(compileCacheDir({})).toBe(path.join(os.homedir(), '.cache/pushagent'));
  });

  it(`is written by the CLI on Node >= 22.1 (here ${process.version}: ${supported ? 'yes' : 'no'}), not with PUSHAGENT_NO_COMPILE_CACHE=1`, async () => {
    const cache = await workdir({});
    expect((await runCli(['validate', '-c', 'config.example.yaml'], { env: { XDG_CACHE_HOME: cache } })).exitCode).toBe(
      0,
    );
    const written = existsSync(path.join(cache, 'pushagent')) ? readdirSync(path.join(cache, 'pushagent')) : [];
    expect(written.length > 0).toBe(supported);
    const off = await workdir({});
    expect(
      (
        await runCli(['validate', '-c', 'config.example.yaml'], {
          env: { XDG_CACHE_HOME: off, PUSHAGENT_NO_COMPILE_CACHE: '1' },
        })
      ).exitCode,
    ).toBe(0);
    expect(readdirSync(off)).toEqual([]);
  });

  it('a cache folder that cannot be made does not stop the CLI (Node loops forever making one under /proc)', async () => {
    for (const XDG_CACHE_HOME of ['/proc/nope', '/etc/passwd', '/dev/null']) {
      const r = await runCli(['validate', '-c', 'config.example.yaml'], { env: { XDG_CACHE_HOME }, timeoutMs: 10_000 });
      expect({ XDG_CACHE_HOME, exitCode: r.exitCode }).toEqual({ XDG_CACHE_HOME, exitCode: 0 });
    }
  });
});
