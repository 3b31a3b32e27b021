import { describe, expect, it } from 'vitest';
import { fnv1a64, phaseMs } from '../../src/agent/splay.js';

describe('phaseMs', () => {
  it('is FNV-1a 64 underneath (the published test vectors)', () => {
    expect(fnv1a64('')).toBe(0xcbf29ce484222325n);
    expect(fnv1a64('a')).toBe(0xaf63dc4c8601ec8cn);
    expect(fnv1a64('foobar')).toBe(0x85944171f73967e8n);
  });

  it('is stable: the same instance and check give the same phase, pinned across releases and machines', () => {
    const a = phaseMs('web01.example.com', 'disk', 15_000);
    expect(phaseMs('web01.example.com', 'disk', 15_000)).toBe(a);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(15_000);
    expect(Number.isInteger(a)).toBe(true);
    // Pinned: a change of hash would move every check of every host after an upgrade.
    expect([
      phaseMs('web01.example.com', 'disk', 15_000),
      phaseMs('web02.example.com', 'disk', 15_000),
      phaseMs(undefined, 'disk', 60_000),
    ]).toEqual(PINNED);
  });

  it('differs per instance and per check', () => {
    const hosts = Array.from({ length: 50 }, (_, i) => phaseMs(`host${i}.example.com`, 'disk', 15_000));
    expect(new Set(hosts).size).toBeGreaterThanOrEqual(48);
    const checks = Array.from({ length: 50 }, (_, i) => phaseMs('web01.example.com', `check${i}`, 15_000));
    expect(new Set(checks).size).toBeGreaterThanOrEqual(48);
  });

  it('spreads many hosts × checks roughly uniformly over the interval (chi-square over 20 buckets)', () => {
    const buckets = new Array<number>(20).fill(0);
    let n = 0;
    for (let h = 0; h < 1000; h++) {
      for (const check of ['cpu', 'mem', 'disk', 'net', 'load', 'ntp', 'smart', 'raid']) {
        buckets[Math.floor(phaseMs(`host-${h}.dc1.example.com`, check, 15_000) / 750)]! += 1;
        n += 1;
      }
    }
    const expected = n / 20;
    const chi2 = buckets.reduce((s, b) => s + (b - expected) ** 2 / expected, 0);
    // 19 degrees of freedom: 43.8 is the 0.1% critical value. Every bucket within ±15%.
    expect(chi2).toBeLessThan(43.8);
    expect(Math.min(...buckets)).toBeGreaterThan(expected * 0.85);
    expect(Math.max(...buckets)).toBeLessThan(expected * 1.15);
  });

  it('is 0 without a span (splay off)', () => {
    expect(phaseMs('web01', 'disk', 0)).toBe(0);
  });
});

const PINNED = [6153, 6629, 47135];
