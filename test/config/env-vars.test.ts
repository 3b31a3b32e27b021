import { describe, expect, it } from 'vitest';
import { expand } from '../../src/config/env-vars.js';

const env = { HOST: 'pgw.example.com', EMPTY: '', TOKEN: 's3cr3t' };

describe('expand', () => {
  it.each([
    ['http://${HOST}:9091', 'http://pgw.example.com:9091'],
    ['${MISSING:-http://127.0.0.1:9091}', 'http://127.0.0.1:9091'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY}', ''],
    ['Bearer ${TOKEN}', 'Bearer s3cr3t'],
    ['literal $${HOST} and $HOST', 'literal ${HOST} and $HOST'],
    ['${HOST}${HOST}', 'pgw.example.compgw.example.com'],
  ])('%s → %s', (text, expected) => {
    expect(expand(text, env)).toEqual({ value: expected, missing: [], invalid: [] });
  });

  it('reports an unset variable without a default', () => {
    expect(expand('x ${NOPE} y', env).missing).toEqual(['NOPE']);
  });

  it('reports a malformed reference', () => {
    expect(expand('${1BAD}', env).invalid).toEqual(['${1BAD}']);
    expect(expand('${UNCLOSED', env).invalid).toEqual(['${UNCLOSED']);
  });
});
