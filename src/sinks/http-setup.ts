/**
 * The `auth` and `tls` sections that the HTTP sinks share (pushgateway, remote_write): their files
 * read when the sink starts (the loader has checked they are readable, so a file gone since is a
 * configuration error, not a failed push), turned into an Authorization header and client options.
 */
import { readFile } from 'node:fs/promises';
import type { AuthConfig, TlsConfig } from '../config/agent-schema.js';
import { ConfigError, fileErrorReason } from '../errors.js';
import { HttpClient } from './http-client.js';

export interface HttpSetup {
  readonly client: HttpClient;
  /** From the auth section; a URL's own credentials take precedence (see gateway-url.ts). */
  readonly authorization: string | undefined;
  /** Whether a client certificate is configured (for the hint when a server wants one). */
  readonly clientCert: boolean;
}

export async function httpSetup(
  section: string,
  config: { readonly auth?: AuthConfig | undefined; readonly tls?: TlsConfig | undefined },
  opts: { readonly version: string; readonly connections?: number },
): Promise<HttpSetup> {
  const read = async (file: string | undefined, key: string): Promise<string | undefined> => {
    if (file === undefined) return undefined;
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new ConfigError([{ file, message: `cannot read ${section} ${key}: ${fileErrorReason(err)}` }]);
    }
  };
  const a = config.auth;
  let authorization: string | undefined;
  if (a?.username !== undefined) {
    const password = a.password ?? (await read(a.password_file, 'auth.password_file'))?.trimEnd() ?? '';
    authorization = basicAuth(a.username, password);
  } else if (a?.bearer_token !== undefined || a?.bearer_token_file !== undefined) {
    authorization = `Bearer ${a.bearer_token ?? (await read(a.bearer_token_file, 'auth.bearer_token_file'))?.trim()}`;
  }
  const t = config.tls;
  const client = await HttpClient.create({
    ca: await read(t?.ca_file, 'tls.ca_file'),
    cert: await read(t?.cert_file, 'tls.cert_file'),
    key: await read(t?.key_file, 'tls.key_file'),
    rejectUnauthorized: !(t?.insecure_skip_verify ?? false),
    connections: opts.connections ?? 1,
    userAgent: `pushagent/${opts.version}`,
  });
  return { client, authorization, clientCert: t?.cert_file !== undefined };
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
