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

  // One level of nesting in a default, as a shell or docker compose expands it.
  it.each([
    ['${MISSING:-${HOST}}', 'pgw.example.com'],
    ['${MISSING:-http://${HOST}:9091}', 'http://pgw.example.com:9091'],
    ['${EMPTY:-${MISSING:-fallback}}', 'fallback'],
    ['${MISSING:-${HOST}/${TOKEN}}', 'pgw.example.com/s3cr3t'],
    ['${HOST:-${MISSING}}', 'pgw.example.com'],
    // $${ is a literal ${ there too; the first } left ends the default.
    ['${MISSING:-$${HOME}/x', '${HOME/x'],
    ['x ${MISSING:-${EMPTY}} y', 'x  y'],
  ])('%s → %s', (text, expected) => {
    expect(expand(text, env)).toEqual({ value: expected, missing: [], invalid: [] });
  });

  it('a default is expanded only when used: an unset variable inside it is reported then only', () => {
    expect(expand('${HOST:-${NOPE}}', env)).toEqual({ value: 'pgw.example.com', missing: [], invalid: [] });
    expect(expand('${MISSING:-${NOPE}}', env)).toEqual({ value: '${NOPE}', missing: ['NOPE'], invalid: [] });
  });

  it('refuses nesting deeper than one level, and a malformed reference inside a default, whole', () => {
    expect(expand('${A:-${B:-${C}}} tail', env)).toEqual({
      value: '${A:-${B:-${C}}} tail',
      missing: [],
      invalid: ['${A:-${B:-${C}}}'],
    });
    expect(expand('${A:-${1BAD}}', env).invalid).toEqual(['${A:-${1BAD}}']);
    expect(expand('${A:-${B}', env).invalid).toEqual(['${A:-${B}']);
  });

  it('reports an unset variable without a default', () => {
    expect(expand('x ${NOPE} y', env).missing).toEqual(['NOPE']);
  });

  it('reports a malformed reference', () => {
    expect(expand('${1BAD}', env).invalid).toEqual(['${1BAD}']);
    expect(expand('${UNCLOSED', env).invalid).toEqual(['${UNCLOSED']);
  });
});
