import { describe, expect, it } from 'vitest';
import { parseDecimal, parseSampleValue, parseValue } from '../../src/parse/value.js';

const EXPECTED = 'expected one decimal number on stdout';

describe('parseValue', () => {
  it.each([
    ['42', 42],
    ['   42\n', 42],
    ['\t-1.5\r\n', -1.5],
    ['+3', 3],
    ['1e3', 1000],
    ['1E-3', 0.001],
    ['.5', 0.5],
    ['5.', 5],
    ['\n\n0\n\n', 0],
    ['123456789012345678901234567890', 1.2345678901234568e29],
  ])('reads %j as %d', (stdout, value) => {
    expect(parseValue(stdout)).toEqual({ ok: true, value });
  });

  it.each([
    ['', `${EXPECTED}, got empty output`],
    [' \t\r\n ', `${EXPECTED}, got empty output`],
    ['1\n2', `${EXPECTED}, got 2 lines`],
    ['1\r\n\r\n2\r\n3\r\n', `${EXPECTED}, got 3 lines`],
    ['3,5', `${EXPECTED}, got "3,5"`],
    ['0x10', `${EXPECTED}, got "0x10"`],
    ['1_000', `${EXPECTED}, got "1_000"`],
    ['abc', `${EXPECTED}, got "abc"`],
    ['NaN', `${EXPECTED}, got "NaN"`],
    ['Inf', `${EXPECTED}, got "Inf"`],
    ['+Inf', `${EXPECTED}, got "+Inf"`],
    ['.', `${EXPECTED}, got "."`],
    ['1e', `${EXPECTED}, got "1e"`],
    ['1 2', `${EXPECTED}, got "1 2"`],
    ['\u00a042', `${EXPECTED}, got "\u00a042"`],
    ['1e999', `${EXPECTED}, got "1e999", which is out of range`],
    ['-1e999', `${EXPECTED}, got "-1e999", which is out of range`],
    ['x'.repeat(100), `${EXPECTED}, got "${'x'.repeat(80)}…"`],
    ['say "hi"', `${EXPECTED}, got "say \\"hi\\""`],
  ])('refuses %j', (stdout, message) => {
    expect(parseValue(stdout)).toEqual({ ok: false, message });
  });
});

describe('parseDecimal', () => {
  it('reads decimal floats only, returning Infinity when out of range', () => {
    expect(parseDecimal('-0')).toBe(-0);
    expect(parseDecimal('1e999')).toBe(Number.POSITIVE_INFINITY);
    expect(['', ' 1', 'Infinity', '0b1', '1e+', '--1'].map(parseDecimal)).toEqual(Array(6).fill(undefined));
  });
});

describe('parseSampleValue', () => {
  it.each([
    ['NaN', Number.NaN],
    ['+Inf', Number.POSITIVE_INFINITY],
    ['Inf', Number.POSITIVE_INFINITY],
    ['-Inf', Number.NEGATIVE_INFINITY],
    ['2.5', 2.5],
    // Go's ParseFloat, as expfmt and Prometheus call it: NaN, Inf and Infinity in any case.
    ['nan', Number.NaN],
    ['inf', Number.POSITIVE_INFINITY],
    ['+inf', Number.POSITIVE_INFINITY],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-INFINITY', Number.NEGATIVE_INFINITY],
  ])('reads %s', (token, value) => {
    expect(parseSampleValue(token)).toBe(value);
  });

  // Not a sign on NaN, nor a prefix of Infinity; nor hex floats and underscores, which ParseFloat
  // reads since Go 1.13 but expfmt and Prometheus refuse (any p, P or _).
  it.each(['-NaN', '+NaN', 'infin', '0x1p3', '0x10', '1_0', '1e999', ''])('refuses %j', (token) => {
    expect(parseSampleValue(token)).toBeUndefined();
  });
});
