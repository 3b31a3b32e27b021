/**
 * Node's module compile cache (Node 22.1 and later): the bundled code is compiled at the first
 * start of each version and read back from disk at later ones. One folder per user,
 * $XDG_CACHE_HOME/pushagent or ~/.cache/pushagent; PUSHAGENT_NO_COMPILE_CACHE=1 turns it off. It
 * is only a speed-up: whatever goes wrong (an older Node, no home, a read-only disk) is ignored.
 */
import { mkdirSync, statSync } from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

type Enable = (dir?: string) => unknown;

export function enableCompileCache(env: Readonly<Record<string, string | undefined>>): void {
  const enable = (module as { enableCompileCache?: Enable }).enableCompileCache;
  if (enable === undefined || env.PUSHAGENT_NO_COMPILE_CACHE === '1') return;
  try {
    const dir = compileCacheDir(env);
    // Node creates the folder itself, but its recursive mkdir never returns under /proc (22 and 24).
    if (ensureDir(dir)) enable(dir);
  } catch {
    // Start without it.
  }
}

export function compileCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'pushagent');
}

/** Whether `dir` is a folder, created (one level at a time) if missing. */
function ensureDir(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    const parent = path.dirname(dir);
    if (parent === dir || !ensureDir(parent)) return false;
    try {
      mkdirSync(dir, { mode: 0o700 });
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EEXIST';
    }
  }
}
