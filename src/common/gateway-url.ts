/**
 * Credentials written into a gateway URL (`http://user:pass@host:9091`). HTTP clients differ in
 * what they do with them (some drop them without a word), so the sink sends them as basic
 * auth itself and requests the URL without them.
 */

export interface UrlCredentials {
  /** Percent-decoded, as basic auth wants them. */
  readonly username: string;
  readonly password: string;
  /** The URL without its userinfo. */
  readonly url: string;
}

/**
 * The credentials of `raw` and the URL without them; undefined when it has none (or is no URL).
 * Throws URIError when they are not valid percent-encoding (a `%` not followed by two hex digits).
 */
export function urlCredentials(raw: string): UrlCredentials | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  if (u.username === '' && u.password === '') return undefined;
  const username = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  u.username = '';
  u.password = '';
  return { username, password, url: u.href };
}

/** `scheme://`, the authority (up to the first `/`, `\`, `?` or `#`, as URL parsers end it), the rest. */
const PARTS_RE = /^(\s*[a-z][a-z0-9+.-]*:\/\/)([^/\\?#]*)([\s\S]*)$/i;

/**
 * One URL as a message may show it: its userinfo, up to the last `@` of the authority, as `***`
 * (`***:***` with a password), its query and fragment left out. Undefined when no part of it can
 * be shown safely: an `@` without `scheme://` before it (`alice:S3CR3T@host`), or an `@` after the
 * authority ends, where a password holding an unencoded `/`, `?` or `#` ended it early and where
 * the secret ends cannot be told (`http://alice:S3CR/T@host`). Unlike `redactSecrets` (for whole
 * texts) it hides spaces in the userinfo too.
 */
export function maskUserinfo(raw: string): string | undefined {
  const m = PARTS_RE.exec(raw);
  if (m === null) return raw.includes('@') ? undefined : raw.replace(/[?#][\s\S]*$/, '');
  const [, scheme, authority, rest] = m as unknown as [string, string, string, string];
  if (rest.includes('@')) return undefined;
  const at = authority.lastIndexOf('@');
  const host = at === -1 ? authority : `***${authority.slice(0, at).includes(':') ? ':***' : ''}${authority.slice(at)}`;
  return `${scheme}${host}${rest.replace(/[?#][\s\S]*$/, '')}`;
}

/**
 * Why `raw` cannot be a gateway's URL, or undefined. Messages show the URL only as `maskUserinfo`
 * allows: never its credentials, query or fragment.
 */
export function gatewayUrlProblem(raw: string): string | undefined {
  const shown = maskUserinfo(raw);
  const parts = PARTS_RE.exec(raw);
  if (parts !== null && shown === undefined) {
    return (
      'expected "@" only before the host: percent-encode a "/", "?", "#" or "@" in the user name or password ' +
      '(as %2F, %3F, %23, %40) and an "@" in the path (%40); the URL is not shown, as it may hold a password'
    );
  }
  const got = shown === undefined ? 'a text with an "@", not shown as it may hold a password' : JSON.stringify(shown);
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (parts === null || !parsed || !['http:', 'https:'].includes(parsed.protocol))
    return `expected an http:// or https:// URL, got ${got}`;
  if (/\s/.test(raw)) return `expected a URL without spaces (write a space as %20), got ${got}`;
  if (/[?#]/.test(parts[3]!)) {
    return `expected a URL without a query string or fragment (the Pushgateway's API takes neither), got ${got} followed by one, not shown`;
  }
  try {
    urlCredentials(raw);
  } catch {
    return `expected percent-encoded credentials in the URL (a % starts %XX, e.g. %40 for @), got ${got}`;
  }
  return undefined;
}
