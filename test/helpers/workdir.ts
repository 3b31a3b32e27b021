/**
 * A temporary folder with a config file and check files written from strings, removed when the
 * test that made it has finished (made outside a test, in a beforeAll: when the test process exits).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

export async function workdir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pushagent-test-'));
  try {
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
  } catch {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}
