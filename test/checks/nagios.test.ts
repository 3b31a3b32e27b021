/**
 * `output: nagios`, golden-tested: exit status and stdout of a plugin → the exposition text its
 * samples serialize to, or the reason the check fails. One case per folder of fixtures/nagios/:
 * `output.txt` (stdout), `exit-code`, and `expected.prom` or `error.txt`.
 *
 * Cases with a `command.txt` are real runs captured on Debian (monitoring-plugins-basic 2.3.3, as
 * root, LC_ALL=C; every-uom-* run plugins/every-uom.sh); command.txt is the command line. `error-*`
 * and `hand-*` are written by hand, one rule each; hand-disk-megabytes has the shape of check_disk
 * before 2.3, which printed MB (1024 * 1024 bytes) rather than B.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { execKind, interpret } from '../../src/checks/exec.js';
import type { KindProblem } from '../../src/checks/kind.js';
import { serialize } from '../../src/expose/text.js';

const FIXTURES = new URL('../fixtures/nagios/', import.meta.url).pathname;
const cases = readdirSync(FIXTURES)
  .filter((name) => existsSync(join(FIXTURES, name, 'output.txt')))
  .sort();

const problems: KindProblem[] = [];
const spec = execKind.toSpec({ env: {}, argv: ['/usr/lib/nagios/plugins/check_dummy'], output: 'nagios' }, problems, {
  dir: tmpdir(),
});

describe('output: nagios fixtures', () => {
  it('has real and hand-written cases, successful and failing', () => {
    expect(problems).toEqual([]);
    const captured = cases.filter((name) => existsSync(join(FIXTURES, name, 'command.txt')));
    const errors = cases.filter((name) => existsSync(join(FIXTURES, name, 'error.txt')));
    expect(captured.length).toBeGreaterThan(15);
    expect(errors.length).toBeGreaterThan(15);
    expect(cases.length - errors.length).toBeGreaterThan(20);
  });

  it.each(cases)('%s', (name) => {
    const dir = join(FIXTURES, name);
    const stdout = readFileSync(join(dir, 'output.txt'), 'utf8');
    const exitCode = Number(readFileSync(join(dir, 'exit-code'), 'utf8'));
    const r = interpret(spec, { kind: 'exited', exitCode, stdout, stderr: '' });
    expect(r.exitCode).toBe(exitCode);
    if (existsSync(join(dir, 'expected.prom'))) {
      if (!r.ok) expect.fail(r.reason);
      expect(serialize(r.families)).toBe(readFileSync(join(dir, 'expected.prom'), 'utf8'));
    } else {
      expect(r.ok ? 'succeeded' : `${r.reason}\n`).toBe(readFileSync(join(dir, 'error.txt'), 'utf8'));
    }
  });
});

describe('output: nagios failures', () => {
  it('takes the reason from stdout, where plugins print it, and from stderr when stdout is empty', () => {
    const exited = (exitCode: number, stdout: string, stderr: string) =>
      interpret(spec, { kind: 'exited', exitCode, stdout, stderr });
    expect(exited(3, '\n  \nCHECK UNKNOWN - no data | a=1\n', 'noise\n')).toEqual({
      ok: false,
      exitCode: 3,
      reason: 'exit code 3 (UNKNOWN): CHECK UNKNOWN - no data',
    });
    expect(exited(127, '', 'sh: 1: check_x: not found\n')).toEqual({
      ok: false,
      exitCode: 127,
      reason: 'exit code 127 (command not found): sh: 1: check_x: not found',
    });
    expect(exited(3, '', '')).toEqual({ ok: false, exitCode: 3, reason: 'exit code 3 (UNKNOWN)' });
  });
});
