import { describe, expect, it } from 'vitest';
import { describeKey, groupingKey, groupPath } from '../../src/sinks/grouping-key.js';

describe('groupPath', () => {
  it('keeps plain values readable, in the order job, instance, check, then extra labels by name', () => {
    const key = groupingKey('pushagent', 'web01.example.com', 'disk_root', { zone: 'b', datacenter: 'dc-1' });
    expect(groupPath(key)).toBe(
      '/metrics/job/pushagent/instance/web01.example.com/check/disk_root/datacenter/dc-1/zone/b',
    );
  });

  it.each([
    ['/var/tmp', 'L3Zhci90bXA'],
    ['two words', 'dHdvIHdvcmRz'],
    ['.', 'Lg'],
    ['..', 'Li4'],
    ['Προμηθεύς', 'zqDPgc6_zrzOt864zrXPjc-C'],
    ['a?b#c%d', 'YT9iI2MlZA'],
  ])('sends %j as label@base64 in base64url', (value, encoded) => {
    const path = groupPath(groupingKey('j', 'h', 'c', { v: value }));
    expect(path).toBe(`/metrics/job/j/instance/h/check/c/v@base64/${encoded}`);
    expect(Buffer.from(encoded, 'base64url').toString('utf8')).toBe(value);
  });

  it('writes an empty value as a single "=", as the Pushgateway requires', () => {
    expect(groupPath(groupingKey('j', 'h', 'c', { v: '' }))).toBe('/metrics/job/j/instance/h/check/c/v@base64/=');
  });

  it('encodes the job and instance the same way', () => {
    expect(groupPath(groupingKey('a/b', 'host name', 'c', {}))).toBe(
      '/metrics/job@base64/YS9i/instance@base64/aG9zdCBuYW1l/check/c',
    );
  });

  it('describes a key for comments and logs', () => {
    expect(describeKey(groupingKey('j', 'h', 'c', { q: 'say "hi"' }))).toBe(
      'job="j",instance="h",check="c",q="say \\"hi\\""',
    );
  });
});
