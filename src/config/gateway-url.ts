/**
 * Credentials written into a gateway URL (`http://user:pass@host:9091`). HTTP clients differ in
 * what they do with them (undici dropped them without a word), so the sink sends them as basic
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

/**
 * One URL as it may be shown in a message: its userinfo, up to the last `@` of the authority, as
 * `***`. Unlike `redactSecrets` (for whole texts) it hides spaces in the userinfo too.
 */
export function maskUserinfo(raw: string): string {
  return raw.replace(/^(\s*[a-z][a-z0-9+.-]*:\/\/)([^/\\?#]*)@/i, (_, scheme: string, userinfo: string) =>
    `${scheme}***${userinfo.includes(':') ? ':***' : ''}@`,
  );
}
