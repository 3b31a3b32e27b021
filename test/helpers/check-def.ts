/** A loaded check for tests of the scheduler and what derives from checks: an exec check, 100 ms timeout, no splay. */
import type { CheckDef } from '../../src/config/check-def.js';

export function checkDef(fields: Partial<CheckDef> = {}): CheckDef {
  return {
    name: 'x',
    file: 'x.yaml',
    line: 1,
    col: 1,
    kind: 'exec',
    spec: {},
    describe: 'exec/value',
    schedule: { kind: 'interval', ms: 1000 },
    splayMs: 0,
    timeoutMs: 100,
    killGraceMs: 100,
    labels: {},
    ...fields,
  };
}
