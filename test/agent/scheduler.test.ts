import { describe, expect, it } from 'vitest';
import { nextSlot, Scheduler } from '../../src/agent/scheduler.js';
import { checkDef } from '../helpers/check-def.js';

const def = (name: string, ms: number) => checkDef({ name, schedule: { kind: 'interval', ms }, timeoutMs: ms });

describe('nextSlot', () => {
  it('interval slots are absolute multiples of the interval: no drift, whatever the run took', () => {
    const t = Date.UTC(2026, 10, 22, 10, 0, 7, 300);
    expect(nextSlot({ kind: 'interval', ms: 15_000 }, t)).toBe(Date.UTC(2026, 10, 22, 10, 0, 15));
    expect(nextSlot({ kind: 'interval', ms: 15_000 }, Date.UTC(2026, 10, 22, 10, 0, 15))).toBe(
      Date.UTC(2026, 10, 22, 10, 0, 30),
    );
    // 10,000 slots later the schedule is still on the grid.
    let slot = Date.UTC(2026, 10, 22, 10, 0, 15);
    for (let i = 0; i < 10_000; i++) slot = nextSlot({ kind: 'interval', ms: 15_000 }, slot + 7);
    expect(slot % 15_000).toBe(0);
  });

  it('with a phase, slots are n × interval + phase: the same phase every time, none skipped', () => {
    const i = { kind: 'interval', ms: 15_000 } as const;
    const base = Date.UTC(2026, 10, 22, 10, 0, 0);
    expect(nextSlot(i, base + 1_000, undefined, 4_321)).toBe(base + 4_321);
    expect(nextSlot(i, base + 4_320, undefined, 4_321)).toBe(base + 4_321);
    // Strictly after: the slot itself gives the next one.
    expect(nextSlot(i, base + 4_321, undefined, 4_321)).toBe(base + 19_321);
    expect(nextSlot(i, base + 5_000, undefined, 4_321)).toBe(base + 19_321);
    // Just before the epoch's first slot of the minute: the previous interval's phase.
    expect(nextSlot(i, base - 1, undefined, 4_321)).toBe(base + 4_321);
    let slot = base + 4_321;
    for (let k = 0; k < 10_000; k++) {
      const next = nextSlot(i, slot + 7, undefined, 4_321);
      expect(next - slot).toBe(15_000);
      slot = next;
    }
    expect(slot % 15_000).toBe(4_321);
  });

  it('a cron schedule with a phase runs that long after each of its times', () => {
    const t = new Date(2026, 10, 22, 10, 0, 7).getTime();
    const cron = { kind: 'cron', expr: '*/10 * * * * *' } as const;
    expect(nextSlot(cron, t, undefined, 2_500)).toBe(new Date(2026, 10, 22, 10, 0, 12, 500).getTime());
    // 10:00:01 is after the 10:00:00 time but before its slot at 10:00:02.5.
    expect(nextSlot(cron, new Date(2026, 10, 22, 10, 0, 1).getTime(), undefined, 2_500)).toBe(
      new Date(2026, 10, 22, 10, 0, 2, 500).getTime(),
    );
    expect(nextSlot(cron, new Date(2026, 10, 22, 10, 0, 11).getTime(), undefined, 2_500)).toBe(
      new Date(2026, 10, 22, 10, 0, 12, 500).getTime(),
    );
  });

  it('cron schedules (seconds first) come from croner', () => {
    const t = new Date(2026, 10, 22, 10, 0, 7).getTime();
    expect(nextSlot({ kind: 'cron', expr: '*/10 * * * * *' }, t)).toBe(new Date(2026, 10, 22, 10, 0, 10).getTime());
    expect(nextSlot({ kind: 'cron', expr: '0 30 * * * *' }, t)).toBe(new Date(2026, 10, 22, 10, 30, 0).getTime());
  });
});

describe('Scheduler (real timers)', () => {
  it('runs at aligned slots, skips and counts a slot while the previous run is going, never queues', async () => {
    const runs: number[] = [];
    const skips: number[] = [];
    let release: () => void = () => {};
    const s = new Scheduler({
      run: async (_d, due) => {
        runs.push(due);
        if (runs.length === 1) await new Promise<void>((r) => (release = r));
      },
      skipped: (_d, streak) => skips.push(streak),
      error: (_d, err) => {
        throw err;
      },
    });
    s.add(def('a', 100));
    await new Promise((r) => setTimeout(r, 380));
    // The first run hangs: the next slots are skipped (streak 1, 2, ...), not queued.
    expect(runs).toHaveLength(1);
    expect(runs[0]! % 100).toBe(0);
    expect(skips.length).toBeGreaterThanOrEqual(2);
    expect(skips.slice(0, 2)).toEqual([1, 2]);
    release();
    await new Promise((r) => setTimeout(r, 250));
    await s.stop();
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.every((due) => due % 100 === 0)).toBe(true);
  });

  it('runs at its phase: every due time is n × interval + phase', async () => {
    const runs: number[] = [];
    const s = new Scheduler({
      run: async (_d, due) => void runs.push(due),
      skipped: () => {},
      error: (_d, err) => {
        throw err;
      },
    });
    s.add(def('p', 100), 37);
    await new Promise((r) => setTimeout(r, 350));
    await s.stop();
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.map((due) => due % 100)).toEqual(runs.map(() => 37));
  });

  it('a run that throws is reported, and the schedule goes on', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const s = new Scheduler({
      run: async () => {
        runs += 1;
        throw new Error('boom');
      },
      skipped: () => {},
      error: (_d, err) => errors.push(err),
    });
    s.add(def('b', 50));
    await new Promise((r) => setTimeout(r, 220));
    await s.stop();
    expect(runs).toBeGreaterThanOrEqual(3);
    expect(errors).toHaveLength(runs);
  });
});
