/** exec checks with real processes: sh, argv, environment, limits, and the pure interpretation. */
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { execKind, interpret, type ExecSpec } from '../../src/checks/exec.js';
import type { KindProblem } from '../../src/checks/kind.js';

const ctx = { signal: new AbortController().signal, killGraceMs: 2000, maxOutputBytes: 1024 * 1024, procRoot: '/proc' };

function spec(fields: Record<string, unknown>): ExecSpec {
  const problems: KindProblem[] = [];
  const s = execKind.toSpec({ env: {}, ...fields }, problems, { dir: tmpdir() });
  expect(problems).toEqual([]);
  return s;
}

const value = (command: string) => spec({ command, metric: { name: 'v', type: 'gauge' } });

describe('exec collect (real processes)', () => {
  it('runs a shell pipeline and reads one number', async () => {
    const r = await execKind.collect(value('printf "  4\\n2\\n" | wc -l'), ctx);
    expect(r).toMatchObject({ ok: true, exitCode: 0 });
    expect(r.ok && r.families[0]?.samples[0]?.value).toBe(2);
  });

  it('runs argv directly, without a shell', async () => {
    const r = await execKind.collect(spec({ argv: ['echo', '$HOME;', 'x'], output: 'prometheus' }), ctx);
    expect(r).toMatchObject({ ok: false, exitCode: 0 });
    expect(!r.ok && r.reason).toContain('"$HOME;');
  });

  it('gives children LC_ALL=C, the check env and stdin from /dev/null', async () => {
    const r = await execKind.collect(
      spec({ command: 'cat; echo "lc_value{lc=\\"$LC_ALL\\",extra=\\"$EXTRA\\"} 1"', env: { EXTRA: 'yes' } }),
      ctx,
    );
    expect(r.ok && r.families[0]?.samples[0]?.labels).toEqual({ lc: 'C', extra: 'yes' });
  });

  it("runs in the check file's folder unless `cwd` says otherwise", async () => {
    const r = await execKind.collect(spec({ command: 'echo "cwd_info{dir=\\"$(pwd)\\"} 1"', cwd: '/usr' }), ctx);
    expect(r.ok && r.families[0]?.samples[0]?.labels.dir).toBe('/usr');
  });

  it('fails on a non-zero exit with the code in words and the first stderr line', async () => {
    expect(await execKind.collect(value('echo 5; echo "disk gone" >&2; echo more >&2; exit 2'), ctx)).toEqual({
      ok: false,
      exitCode: 2,
      reason: 'exit code 2 (misuse or invalid arguments): disk gone',
    });
    const notFound = await execKind.collect(value('definitely-not-a-command-xyz'), ctx);
    expect(notFound).toMatchObject({ ok: false, exitCode: 127 });
    expect(!notFound.ok && notFound.reason).toMatch(
      /^exit code 127 \(command not found\): .*definitely-not-a-command-xyz/,
    );
  });

  it('fails when argv names no program, exit code -1', async () => {
    expect(await execKind.collect(spec({ argv: ['/nonexistent/prog'], output: 'prometheus' }), ctx)).toEqual({
      ok: false,
      exitCode: -1,
      reason: 'cannot run /nonexistent/prog: no such file or directory',
    });
  });

  it('reports a process killed by a signal', async () => {
    expect(await execKind.collect(value('kill -SEGV $$'), ctx)).toEqual({
      ok: false,
      exitCode: -1,
      reason: 'killed by SIGSEGV',
    });
  });

  it('bounds stdout: a flood fails the check instead of eating memory', async () => {
    const r = await execKind.collect(value('head -c 5000000 /dev/zero'), { ...ctx, maxOutputBytes: 64 * 1024 });
    expect(r).toEqual({
      ok: false,
      exitCode: -1,
      reason: 'stdout exceeded the output limit; the process group was killed',
    });
  });

  it('fails on output that is not UTF-8, naming its line', async () => {
    const r = await execKind.collect(spec({ command: 'printf "up 1\\ncaf\\351 2\\n"', output: 'prometheus' }), ctx);
    expect(r).toEqual({
      ok: false,
      exitCode: 0,
      reason: 'output line 2: expected UTF-8 text, found bytes that are not UTF-8',
    });
  });

  it('on abort kills the whole group without waiting for pipes a grandchild holds', async () => {
    const ac = new AbortController();
    const started = performance.now();
    const pending = execKind.collect(value('(sleep 30; echo late) & sleep 30'), { ...ctx, signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    expect(await pending).toEqual({ ok: false, exitCode: -1, reason: 'aborted' });
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('interpret (pure)', () => {
  const s = value('unused');
  it.each([
    [{ kind: 'exited', exitCode: 0, stdout: '42\n', stderr: '' }, { ok: true }],
    [
      { kind: 'exited', exitCode: 0, stdout: '', stderr: '' },
      { ok: false, reason: 'output: expected one decimal number on stdout, got empty output' },
    ],
    [
      { kind: 'exited', exitCode: 126, stdout: '', stderr: 'sh: 1: ./x: Permission denied\n' },
      {
        ok: false,
        exitCode: 126,
        reason: 'exit code 126 (command found but not executable): sh: 1: ./x: Permission denied',
      },
    ],
    [
      { kind: 'exited', exitCode: 137, stdout: '', stderr: '' },
      { ok: false, exitCode: 137, reason: 'exit code 137 (killed (SIGKILL, often the OOM killer))' },
    ],
    [
      { kind: 'exited', exitCode: 143, stdout: '', stderr: '' },
      { ok: false, exitCode: 143, reason: 'exit code 143 (terminated (SIGTERM))' },
    ],
  ] as const)('%j', (outcome, expected) => {
    expect(interpret(s, outcome)).toMatchObject(expected);
  });

  it('refuses our own metric prefix in prometheus output', () => {
    const p = spec({ command: 'x', output: 'prometheus' });
    expect(interpret(p, { kind: 'exited', exitCode: 0, stdout: 'pushagent_check_success 1\n', stderr: '' })).toEqual({
      ok: false,
      exitCode: 0,
      reason: 'output: metric name "pushagent_check_success" is reserved for pushagent\'s own metrics',
    });
  });

  it.each(['push_time_seconds', 'push_failure_time_seconds'])(
    'refuses %s in prometheus output: the gateway sets it itself',
    (name) => {
      const p = spec({ command: 'x', output: 'prometheus' });
      expect(
        interpret(p, {
          kind: 'exited',
          exitCode: 0,
          stdout: `ok_metric 1\n# TYPE ${name} gauge\n${name} 1.7e9\n`,
          stderr: '',
        }),
      ).toEqual({
        ok: false,
        exitCode: 0,
        reason: `output: metric name "${name}" is reserved: the Pushgateway sets it on every group itself and would overwrite it`,
      });
    },
  );

  it('names the output line that did not parse', () => {
    const p = spec({ command: 'x', output: 'prometheus' });
    const r = interpret(p, { kind: 'exited', exitCode: 0, stdout: 'ok_metric 1\nbad metric here\n', stderr: '' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^output line 2: /);
  });
});
