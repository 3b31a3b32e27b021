import { describe, expect, it } from 'vitest';
import { ConfigError, fileErrorReason, InstanceError, PushError, tellUser } from '../src/errors.js';

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

describe('tellUser: the one wording of an error a user can act on', () => {
  const problems = [
    { file: 'b.yaml', line: 2, col: 3, message: 'second' },
    { file: 'a.yaml', line: 1, col: 1, message: 'first' },
  ];

  it('a ConfigError: its problems in order, then with `count` how many', () => {
    const said: string[] = [];
    expect(tellUser(new ConfigError(problems), (l) => said.push(l), { count: true })).toBe(2);
    expect(said).toEqual(['a.yaml:1:1: first', 'b.yaml:2:3: second', '2 problems found']);
    const once: string[] = [];
    tellUser(new ConfigError(problems.slice(0, 1)), (l) => once.push(l), { count: true });
    expect(once.at(-1)).toBe('1 problem found');
  });

  it('without `count` (the log of `run`), the problems only; another PushagentError is its message', () => {
    const said: string[] = [];
    tellUser(new ConfigError(problems), (l) => said.push(l));
    tellUser(new InstanceError('cannot tell the instance'), (l) => said.push(l), { count: true });
    expect(said).toEqual(['a.yaml:1:1: first', 'b.yaml:2:3: second', 'cannot tell the instance']);
  });

  it('anything else is a bug: rethrown, nothing said', () => {
    const said: string[] = [];
    const bug = new TypeError('x is undefined');
    expect(() => tellUser(bug, (l) => said.push(l))).toThrow(bug);
    expect(said).toEqual([]);
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
