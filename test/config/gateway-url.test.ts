import { describe, expect, it } from 'vitest';
import { gatewayUrlProblem, maskUserinfo, urlCredentials } from '../../src/common/gateway-url.js';

/** Every secret the URLs below hold: none may appear in what is shown. */
const SECRETS = /alice|S3CR|123|T0KEN|s3cr3t/;

describe('maskUserinfo: a URL as a message may show it', () => {
  it.each([
    ['http://pgw:9091/metrics', 'http://pgw:9091/metrics'],
    ['http://alice@pgw:9091', 'http://***@pgw:9091'],
    ['http://alice:s3cr3t@pgw:9091/x', 'http://***:***@pgw:9091/x'],
    // URL parsers end the userinfo at the authority's last @: all of "p@ss" is the password.
    ['http://alice:S3CR@@pgw:9091', 'http://***:***@pgw:9091'],
    ['http://alice:s3cr3t with spaces@pgw:9091', 'http://***:***@pgw:9091'],
    ['http://pgw:9091/?token=T0KEN', 'http://pgw:9091/'],
    ['http://alice:s3cr3t@pgw:9091#T0KEN', 'http://***:***@pgw:9091'],
    ['pgw:9091', 'pgw:9091'],
  ])('%s → %s', (raw, shown) => {
    expect(maskUserinfo(raw)).toBe(shown);
  });

  // Where the secret ends cannot be told: nothing is shown.
  it.each([
    'http://alice:S3CR/T@pgw:9091',
    'http://alice:123/S3CR@pgw',
    'http://alice:S3?CR@pgw',
    'http://alice:S3#CR@pgw',
    'http://alice:S3\\CR@pgw',
    'alice:S3CR3T@pgw',
    'http:/alice:S3CR3T@pgw',
  ])('%s → nothing', (raw) => {
    expect(maskUserinfo(raw)).toBeUndefined();
  });
});

describe('gatewayUrlProblem', () => {
  it.each([
    'http://pgw:9091',
    'https://alice:s3cr3t@pgw.example.com:9091/prefix',
    'http://alice:S3CR%2FT@pgw:9091',
    'http://u:p@ss@pgw:9091',
  ])('accepts %s', (raw) => {
    expect(gatewayUrlProblem(raw)).toBeUndefined();
  });

  it('the URL parser takes what a / splits off the password as a port or a path; it is refused', () => {
    // What the parser makes of them: the user name is looked up as the host, the rest is a path.
    expect(new URL('http://alice:123/S3CR@pgw').host).toBe('alice:123');
    expect(urlCredentials('http://alice:123/S3CR@pgw')).toBeUndefined();
    expect(gatewayUrlProblem('http://alice:123/S3CR@pgw')).toMatch(
      /^expected "@" only before the host: percent-encode .* \(as %2F, %3F, %23, %40\)/,
    );
  });

  it.each([
    ['http://alice:S3CR/T@pgw:9091', /^expected "@" only before the host/],
    ['http://alice:123/S3CR@pgw', /^expected "@" only before the host/],
    ['http://alice:S3?CR@pgw:9091', /^expected "@" only before the host/],
    ['http://alice:S3#CR@pgw:9091', /^expected "@" only before the host/],
    ['http://alice:S3\\CR@pgw:9091', /^expected "@" only before the host/],
    ['http://pgw:9091/x@y', /^expected "@" only before the host/],
    ['alice:S3CR3T@pgw:9091', /^expected an http:\/\/ or https:\/\/ URL, got a text with an "@", not shown/],
    ['http:/alice:S3CR3T@pgw:9091', /^expected an http:\/\/ or https:\/\/ URL, got a text with an "@", not shown/],
    ['ftp://alice:s3cr3t@pgw/', /^expected an http:\/\/ or https:\/\/ URL, got "ftp:\/\/\*\*\*:\*\*\*@pgw\/"$/],
    [
      'http://pgw:9091/?token=T0KEN',
      /^expected a URL without a query string or fragment .*, got "http:\/\/pgw:9091\/" followed by one, not shown$/,
    ],
    [
      'http://alice:s3cr3t@pgw:9091#T0KEN',
      /^expected a URL without a query string or fragment .*, got "http:\/\/\*\*\*:\*\*\*@pgw:9091" followed by one, not shown$/,
    ],
    ['http://pgw:9091?', /^expected a URL without a query string or fragment/],
    [
      'http://alice:S3CR%zz@pgw:9091',
      /^expected percent-encoded credentials in the URL .*, got "http:\/\/\*\*\*:\*\*\*@pgw:9091"$/,
    ],
  ])('refuses %s, showing no secret', (raw, message) => {
    const problem = gatewayUrlProblem(raw);
    expect(problem).toMatch(message);
    expect(problem).not.toMatch(SECRETS);
  });
});
