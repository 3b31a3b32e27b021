import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/common/duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['15s', 15_000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['2h', 7_200_000],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', '0s', '-1s', '1 s', '1d', 's', '1m 30s'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats back to the same notation', () => {
    expect([500, 1500, 15_000, 60_000, 90_000].map(formatDuration)).toEqual(['500ms', '1.5s', '15s', '1m', '1m30s']);
  });
});
