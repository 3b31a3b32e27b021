import { describe, expect, it } from 'vitest';
import { fileErrorReason, PushError } from '../src/errors.js';

describe('PushError says what was attempted', () => {
  const url = 'http://127.0.0.1:9091/metrics/job/pushagent/instance/web01';

  it('a push (the default): "push to URL failed", with the status and reason', () => {
    const e = new PushError(url, 400, 'bad metric');
    expect(e.message).toBe(`push to ${url} failed: HTTP 400: bad metric`);
    expect(e).toMatchObject({ code: 'PUSH_FAILED', action: 'push', url, status: 400, reason: 'bad metric' });
    expect(new PushError(url, undefined, 'ECONNREFUSED', { action: 'push' }).message).toBe(
      `push to ${url} failed: ECONNREFUSED`,
    );
  });

  it('a delete: "delete of URL failed"', () => {
    const e = new PushError(url, 503, 'down', { action: 'delete' });
    expect(e.message).toBe(`delete of ${url} failed: HTTP 503: down`);
    expect(e.action).toBe('delete');
  });

  it('listing the groups: "list groups at URL failed"; the cause is kept', () => {
    const cause = new SyntaxError('Unexpected token');
    const e = new PushError('http://gw/api/v1/metrics', 200, 'not JSON', { action: 'list groups', cause });
    expect(e.message).toBe('list groups at http://gw/api/v1/metrics failed: HTTP 200: not JSON');
    expect(e.cause).toBe(cause);
    expect('cause' in new PushError(url, 500, 'x')).toBe(false);
  });

  it('a textfile\'s file or folder: "write of FILE failed", "delete of FILE failed", "cannot list DIR"', () => {
    const file = '/var/lib/node_exporter/pushagent_x.prom';
    expect(new PushError(file, undefined, 'no such file', { action: 'write file' }).message).toBe(
      `write of ${file} failed: no such file`,
    );
    expect(new PushError(file, undefined, 'permission denied', { action: 'delete' }).message).toBe(
      `delete of ${file} failed: permission denied`,
    );
    expect(new PushError('/var/lib/x', undefined, 'no such file', { action: 'list files' }).message).toBe(
      'cannot list /var/lib/x: no such file',
    );
  });
});

describe('fileErrorReason', () => {
  const err = (code: string) => Object.assign(new Error(`${code}: boom`), { code });
  it.each([
    ['ENOENT', 'no such file'],
    ['ENOTDIR', 'no such file'],
    ['EACCES', 'permission denied'],
    ['EISDIR', 'is a directory'],
    ['ELOOP', 'ELOOP'],
  ])('%s → %s', (code, reason) => {
    expect(fileErrorReason(err(code))).toBe(reason);
  });
});
