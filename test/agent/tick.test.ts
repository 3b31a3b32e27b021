import { describe, expect, it } from 'vitest';
import { tickOf } from '../../src/agent/tick.js';
import type { Schedule } from '../../src/config/check-def.js';
import { checkDef } from '../helpers/check-def.js';

const def = (schedule: Schedule) => checkDef({ schedule });

describe('tickOf', () => {
  it('is the shortest period of the checks, a schedule counting with its shortest gap', () => {
    expect(tickOf([def({ kind: 'interval', ms: 15_000 }), def({ kind: 'interval', ms: 60_000 })])).toBe(15_000);
    expect(tickOf([def({ kind: 'interval', ms: 15_000 }), def({ kind: 'cron', expr: '*/5 * * * * *' })])).toBe(5_000);
  });

  it('is at least 1 s, and 1 s without checks', () => {
    expect(tickOf([def({ kind: 'interval', ms: 200 })])).toBe(1000);
    expect(tickOf([])).toBe(1000);
  });
});
