/**
 * A temporary folder with a config file and check files written from strings, removed when the
 * test that made it has finished (made outside a test, in a beforeAll: after the test file's last
 * hook; not at process exit, which vitest's workers never see).
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

export async function workdir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pushagent-test-'));
  removeAfterTest(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

/** Folders made outside a test, removed by the hook below. */
const madeOutsideTests: string[] = [];
// Registered while the test file that imports this is collected: it runs after that file's last test and hook.
afterAll(() => Promise.all(madeOutsideTests.splice(0).map((dir) => rm(dir, { recursive: true, force: true }))));

/** Removes `dir` when the test that made it has finished (made outside a test: after the test file). */
export function removeAfterTest(dir: string): void {
  try {
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
  } catch {
    madeOutsideTests.push(dir);
  }
}
