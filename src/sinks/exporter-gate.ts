/**
 * What stands between a scraper and pushagent's /metrics, as exporter-toolkit's web config asks:
 * the TLS server options (client certificates by client_auth_type, allowed SANs), basic auth
 * against bcrypt hashes, the configured response headers and the rate limit. bcrypt is slow on
 * purpose (pure JavaScript: ~50 ms at cost 10), so a verdict is cached per user, hash and password,
 * as exporter-toolkit does: a scrape every 15 s pays it once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket, TlsOptions } from 'node:tls';
import type { WebConfig, WebTls } from '../config/web-config.js';

/** node:https options for `tls`. Certificate checks node:tls cannot make at the handshake are the gate's. */
export function serverTlsOptions(tls: WebTls): TlsOptions {
  const requestCert = tls.clientAuth !== 'NoClientCert';
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    requestCert,
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ...(tls.ciphers === undefined ? {} : { ciphers: tls.ciphers }),
    honorCipherOrder: tls.honorCipherOrder,
    ...(tls.ecdhCurve === undefined ? {} : { ecdhCurve: tls.ecdhCurve }),
  };
}

/** Subject alternative names of a peer certificate as exporter-toolkit compares them: DNS, IP, e-mail, URI. */
export function sansOf(subjectaltname: string | undefined): string[] {
  if (!subjectaltname) return [];
  return subjectaltname.split(/,\s*/).map((entry) => entry.replace(/^(DNS|IP Address|email|URI):/, ''));
}

/** Why a connection's client certificate does not pass, or undefined. */
export function clientCertProblem(tls: WebTls, socket: TLSSocket): string | undefined {
  if (tls.clientAuth === 'NoClientCert' || tls.clientAuth === 'RequestClientCert') return undefined;
  const cert = socket.getPeerCertificate();
  const given = cert !== null && Object.keys(cert).length > 0;
  if (!given) return tls.clientAuth === 'VerifyClientCertIfGiven' ? undefined : 'no client certificate';
  if (tls.clientAuth !== 'RequireAnyClientCert' && !socket.authorized)
    return `client certificate not verified: ${String(socket.authorizationError)}`;
  if (tls.allowedSans && !sansOf(cert.subjectaltname).some((san) => tls.allowedSans!.includes(san)))
    return 'no allowed SAN in the client certificate';
  return undefined;
}

export type Verdict = 'pass' | 'unauthorized' | 'too many requests' | 'refused';

export class Gate {
  readonly #web: WebConfig | undefined;
  readonly #verdicts = new Map<string, boolean>();
  readonly #compare: Promise<(password: string, hash: string) => Promise<boolean>> | undefined;
  #tokens: number;
  #refilledAt = Date.now();

  constructor(web: WebConfig | undefined) {
    this.#web = web;
    this.#tokens = web?.rateLimit?.burst ?? 0;
    // bcryptjs is loaded only when users are configured.
    if (web && Object.keys(web.users).length > 0) this.#compare = import('bcryptjs').then((m) => m.compare);
  }

  /** Sets the configured headers, and decides. */
  async check(req: IncomingMessage, res: ServerResponse): Promise<Verdict> {
    const web = this.#web;
    if (!web) return 'pass';
    if (web.tls && 'encrypted' in req.socket && clientCertProblem(web.tls, req.socket as TLSSocket) !== undefined)
      return 'refused';
    if (!this.#take()) return 'too many requests';
    for (const [name, value] of Object.entries(web.headers)) res.setHeader(name, value);
    if (!this.#compare) return 'pass';
    return (await this.#authorized(req.headers.authorization)) ? 'pass' : 'unauthorized';
  }

  async #authorized(header: string | undefined): Promise<boolean> {
    const m = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    const users = this.#web!.users;
    const known = Object.hasOwn(users, user);
    // An unknown user costs a comparison too, so that timing does not tell which users exist.
    const hash = known ? users[user]! : Object.values(users)[0]!;
    const key = JSON.stringify([user, hash, password]);
    let ok = this.#verdicts.get(key);
    if (ok === undefined) {
      ok = known && (await (await this.#compare!)(password, hash));
      if (this.#verdicts.size >= 100) this.#verdicts.delete(this.#verdicts.keys().next().value!);
      this.#verdicts.set(key, ok);
    }
    return ok;
  }

  /** A token bucket: `burst` requests, one more every `interval`. */
  #take(): boolean {
    const limit = this.#web?.rateLimit;
    if (!limit) return true;
    const now = Date.now();
    const earned = Math.floor((now - this.#refilledAt) / limit.intervalMs);
    if (earned > 0) {
      this.#tokens = Math.min(limit.burst, this.#tokens + earned);
      this.#refilledAt += earned * limit.intervalMs;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
