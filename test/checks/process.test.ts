/** runProcess with real processes: the edges of output decoding, limits, start failures and kills. */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runProcess } from '../../src/checks/process.js';

const limits = (maxOutputBytes = 1024 * 1024, signal = new AbortController().signal) => ({
  signal,
  killGraceMs: 300,
  maxOutputBytes,
});
const sh = (script: string) => ({ file: '/bin/sh', args: ['-c', script], env: {} });

/** Whether `pid` still runs (a zombie waiting for init to reap it does not). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const escaped: number[] = [];
afterEach(() => {
  for (const pid of escaped.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('runProcess', () => {
  it('decodes UTF-8 across chunks and keeps a BOM', async () => {
    expect(await runProcess({ file: '/bin/printf', args: ['\\357\\273\\277a\\303\\251b'], env: {} }, limits())).toEqual(
      {
        kind: 'exited',
        exitCode: 0,
        stdout: '\ufeffaéb',
        stderr: '',
      },
    );
    // 'a' then 100 000 é: pipe chunks of 64 KiB split some é in two.
    const r = await runProcess(
      sh(
        'printf a; for i in $(seq 1000); do printf "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé"; done',
      ),
      limits(),
    );
    expect(r).toEqual({ kind: 'exited', exitCode: 0, stdout: `a${'é'.repeat(100_000)}`, stderr: '' });
  });

  it('fails on stdout that is not UTF-8, naming the line, instead of replacing the bytes', async () => {
    expect(
      await runProcess({ file: '/bin/printf', args: ['ok 1\\nalso 2\\nbad\\377 3\\n'], env: {} }, limits()),
    ).toEqual({
      kind: 'invalid-output',
      stream: 'stdout',
      line: 3,
      exitCode: 0,
    });
    // A sequence cut short at the very end is invalid too.
    expect(await runProcess({ file: '/bin/printf', args: ['x 1\\n\\303'], env: {} }, limits())).toMatchObject({
      kind: 'invalid-output',
      line: 2,
    });
    // stderr only feeds messages: invalid bytes there are shown as U+FFFD.
    expect(await runProcess(sh('printf "\\377oops" >&2; exit 1'), limits())).toEqual({
      kind: 'exited',
      exitCode: 1,
      stdout: '',
      stderr: '\ufffdoops',
    });
  });

  it('counts the output limit in bytes, per stream', async () => {
    const e500 = 'for i in $(seq 50); do printf "éééééééééé"; done';
    expect(await runProcess(sh(e500), limits(1000))).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(await runProcess(sh(`${e500}; printf x`), limits(1000))).toEqual({
      kind: 'output-too-large',
      stream: 'stdout',
    });
    expect(await runProcess(sh(`${e500} >&2; printf x >&2`), limits(1000))).toEqual({
      kind: 'output-too-large',
      stream: 'stderr',
    });
    expect(await runProcess(sh('head -c 5000 /dev/zero >&2'), limits(1000))).toEqual({
      kind: 'output-too-large',
      stream: 'stderr',
    });
  });

  it('names what could not start', async () => {
    expect(await runProcess({ file: '/tmp', args: [], env: {} }, limits())).toEqual({
      kind: 'not-started',
      reason: 'cannot run /tmp: permission denied',
    });
    expect(await runProcess({ file: '/bin/true', args: [], env: { X: 'a\0b' } }, limits())).toEqual({
      kind: 'not-started',
      reason: 'Command failed with ERR_INVALID_ARG_VALUE: /bin/true',
    });
    await expect(runProcess({ file: '/bin/echo', args: ['a\0b'], env: {} }, limits())).rejects.toThrow(
      'Arguments cannot contain null bytes',
    );
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

  it('when the main process exits, kills what it left running in its group (`cmd & exit 0` leaves no orphan)', async () => {
    const quiet = await runProcess(sh('sleep 30 >/dev/null 2>&1 & echo $!; exit 0'), limits());
    expect(quiet).toMatchObject({ kind: 'exited', exitCode: 0 });
    const quietPid = Number(quiet.kind === 'exited' && quiet.stdout.trim());
    escaped.push(quietPid);
    // One that keeps the pipes open: the output is read without waiting for it.
    const started = performance.now();
    const holding = await runProcess(sh('sleep 30 & echo $!; exit 0'), limits());
    expect(performance.now() - started).toBeLessThan(2000);
    expect(holding).toMatchObject({ kind: 'exited', exitCode: 0 });
    const holdingPid = Number(holding.kind === 'exited' && holding.stdout.trim());
    escaped.push(holdingPid);
    await new Promise((r) => setTimeout(r, 200));
    expect({ quiet: running(quietPid), holding: running(holdingPid) }).toEqual({ quiet: false, holding: false });
  });

  it('ends when the main process exits even if a child that left the group (setsid) holds the pipes', async () => {
    const started = performance.now();
    const r = await runProcess(sh('setsid sleep 30 & echo $!; exit 0'), limits());
    expect(r).toMatchObject({ kind: 'exited', exitCode: 0 });
    escaped.push(Number(r.kind === 'exited' && r.stdout.trim()));
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
