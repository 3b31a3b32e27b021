/** runProcess with real processes: the edges of output decoding, limits, start failures and kills. */
import { describe, expect, it } from 'vitest';
import { runProcess } from '../../src/checks/process.js';

const limits = (maxOutputBytes = 1024 * 1024, signal = new AbortController().signal) => ({ signal, killGraceMs: 300, maxOutputBytes });
const sh = (script: string) => ({ file: '/bin/sh', args: ['-c', script], env: {} });

describe('runProcess', () => {
  it('decodes UTF-8 across chunks, keeps a BOM, replaces invalid bytes', async () => {
    expect(await runProcess({ file: '/bin/printf', args: ['\\357\\273\\277a\\377b\\303'], env: {} }, limits())).toEqual({
      kind: 'exited', exitCode: 0, stdout: '\ufeffa\ufffdb\ufffd', stderr: '',
    });
  });

  it('counts the output limit in decoded characters, per stream', async () => {
    const e1000 = 'for i in $(seq 100); do printf "éééééééééé"; done';
    expect(await runProcess(sh(e1000), limits(1000))).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(await runProcess(sh(`${e1000}; printf x`), limits(1000))).toEqual({ kind: 'output-too-large', stream: 'stdout' });
    expect(await runProcess(sh('head -c 5000 /dev/zero >&2'), limits(1000))).toEqual({ kind: 'output-too-large', stream: 'stderr' });
  });

  it('names what could not start', async () => {
    expect(await runProcess({ file: '/tmp', args: [], env: {} }, limits())).toEqual({ kind: 'not-started', reason: 'cannot run /tmp: permission denied' });
    expect(await runProcess({ file: '/bin/true', args: [], env: { X: 'a\0b' } }, limits())).toEqual({
      kind: 'not-started', reason: 'Command failed with ERR_INVALID_ARG_VALUE: /bin/true',
    });
    await expect(runProcess({ file: '/bin/echo', args: ['a\0b'], env: {} }, limits())).rejects.toThrow('Arguments cannot contain null bytes');
  });

  it('on abort kills a group that ignores SIGTERM with SIGKILL after the grace period', async () => {
    const ac = new AbortController();
    const started = performance.now();
    const pending = runProcess(sh('trap "" TERM; sleep 30 & wait'), limits(1000, ac.signal));
    setTimeout(() => ac.abort(), 100);
    expect(await pending).toEqual({ kind: 'aborted' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
