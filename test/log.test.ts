import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets } from '../src/log.js';

describe('redactSecrets: credentials inside URLs become ***', () => {
  it.each([
    [
      'a URL without credentials is unchanged',
      'http://127.0.0.1:9091/metrics/job/x',
      'http://127.0.0.1:9091/metrics/job/x',
    ],
    ['a user only', 'http://alice@gw:9091/metrics', 'http://***@gw:9091/metrics'],
    ['user and password', 'http://alice:s3cret@gw:9091/metrics', 'http://***:***@gw:9091/metrics'],
    ['an empty user with a password', 'http://:s3cret@gw:9091', 'http://***:***@gw:9091'],
    ['https, no path', 'https://alice:s3cret@gw.example.com', 'https://***:***@gw.example.com'],
    // URL parsing ends the userinfo at the LAST @ before the path: all of "p@ss" is the password.
    ['an unencoded @ in the password', 'http://u:p@ss@host/x', 'http://***:***@host/x'],
    ['several unencoded @ and a colon in the password', 'http://u:a@b:c@d@host:9091/x', 'http://***:***@host:9091/x'],
    ['an @ in the path is not userinfo', 'http://host/a@b', 'http://host/a@b'],
    ['an @ in the query is not userinfo', 'http://host?to=a@b', 'http://host?to=a@b'],
    ['an @ in the fragment is not userinfo', 'http://host#a@b', 'http://host#a@b'],
    ['percent-encoded credentials', 'http://pgw%40user:p%3Ass@host/', 'http://***:***@host/'],
  ])('%s', (_, text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it('several URLs in one text, each redacted on its own', () => {
    expect(redactSecrets('http://a:1@h1/x, https://b@h2:9091 and http://h3/c@d then http://c:p@ss@h4')).toBe(
      'http://***:***@h1/x, https://***@h2:9091 and http://h3/c@d then http://***:***@h4',
    );
  });

  it('a URL inside a longer message; the text around it is kept', () => {
    const msg =
      'push to http://pgw:s3cr@t@127.0.0.1:9091/metrics/job/pushagent/instance/web01 failed: HTTP 401: Unauthorized (user me@example.com)';
    expect(redactSecrets(msg)).toBe(
      'push to http://***:***@127.0.0.1:9091/metrics/job/pushagent/instance/web01 failed: HTTP 401: Unauthorized (user me@example.com)',
    );
  });

  it('text without URLs is unchanged', () => {
    expect(redactSecrets('mail me@example.com: a:b@c is not a URL')).toBe('mail me@example.com: a:b@c is not a URL');
  });
});

describe('createLogger', () => {
  const at = () => new Date('2026-11-22T02:22:02.007Z');
  const collect = (level: 'error' | 'warn' | 'info' | 'debug', json: boolean) => {
    const lines: string[] = [];
    return { lines, log: createLogger({ level, json, write: (l) => lines.push(l), now: at }) };
  };

  it('writes one JSON object per line when stderr is not a terminal, fields included', () => {
    const { lines, log } = collect('info', true);
    log.warn('check failed', {
      check: 'disk',
      reason: 'exit code 127 (command not found)',
      exit_code: 127,
      missing: undefined,
    });
    expect(lines).toEqual([
      '{"ts":"2026-11-22T02:22:02.007Z","level":"warn","msg":"check failed","check":"disk","reason":"exit code 127 (command not found)","exit_code":127}\n',
    ]);
  });

  it('writes readable lines for a terminal, quoting values with spaces', () => {
    const { lines, log } = collect('info', false);
    log.info('started', { checks: 3, outputs: 'http://a:1 http://b:2' });
    expect(lines).toEqual(['2026-11-22T02:22:02.007Z INFO  started checks=3 outputs="http://a:1 http://b:2"\n']);
  });

  it('drops events below the level', () => {
    const { lines, log } = collect('warn', true);
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(lines.map((l) => JSON.parse(l).level)).toEqual(['warn', 'error']);
  });

  it('redacts credentials in the message and in every field', () => {
    const { lines, log } = collect('debug', true);
    log.error('push to http://u:secret@gw/x failed', { gateway: 'https://u:secret@gw:9091' });
    expect(lines[0]).not.toContain('secret');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      msg: 'push to http://***:***@gw/x failed',
      gateway: 'https://***:***@gw:9091',
    });
  });
});
