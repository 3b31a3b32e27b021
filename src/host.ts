/** The `instance` label: the configured one, or the host's FQDN as `hostname -f` prints it. */
import { isIPv6 } from 'node:net';
import { InstanceError } from './errors.js';

/**
 * The names /etc/hosts gives the loopback addresses (Debian, RHEL), matched in any case, with or without a final dot.
 */
const LOOPBACK_NAME_RE = /^(?:localhost[46]?(?:\.localdomain[46]?)?|ip6-localhost|ip6-loopback)\.?$/i;
/** 127.0.0.0/8, also in the short forms inet_aton reads (127.1). */
const LOOPBACK_V4_RE = /^127(?:\.\d{1,3}){1,3}$/;

const TIMEOUT_MS = 5000;

/** `signal` ends a `hostname -f` still running (the daemon stopping during a reload). */
export async function resolveInstance(configured: string | undefined, signal?: AbortSignal): Promise<string> {
  return configured ?? fqdnFrom(hostnameF(signal));
}

async function fqdnFrom(stdout: Promise<string>): Promise<string> {
  let fqdn: string;
  try {
    // Its one line, without the line end: a second line or blanks around the name are refused below.
    fqdn = (await stdout).replace(/\r?\n$/, '');
  } catch (err) {
    throw new InstanceError(
      `cannot find this host's FQDN (\`hostname -f\` failed: ${(err as Error).message}); set \`instance:\` in the config`,
      { cause: err },
    );
  }
  const why = instanceProblem(fqdn);
  if (why !== undefined) {
    throw new InstanceError(
      `this host's FQDN is ${JSON.stringify(fqdn)} (from \`hostname -f\`), which ${why}; set \`instance:\` in the config`,
    );
  }
  return fqdn;
}

/**
 * Why `instance` cannot tell this host from others, or undefined: one rule for a configured
 * `instance:` and for what `hostname -f` prints, worded to follow "instance X" or ", which". Empty
 * or blank; blanks around it; a control character (a line break, a tab); a loopback name or
 * address in any case (localhost, localhost.localdomain, localhost4/6..., ip6-localhost,
 * ip6-loopback, 127.0.0.0/8, ::1, ::ffff:127.x.x.x), which every host has; or only dots. A blank
 * inside a name is allowed: the grouping key encodes it.
 */
export function instanceProblem(instance: string): string | undefined {
  if (instance === '') return 'is empty';
  if (instance.trim() === '') return 'holds only blanks';
  if (instance.trim() !== instance) return 'begins or ends with a blank';
  const control = /\p{Cc}/u.exec(instance)?.[0];
  if (control !== undefined)
    return `holds a control character (U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')})`;
  if (isLoopback(instance))
    return 'would mix every host into one series: it is a loopback name or address, the same on every host';
  if (/^\.+$/.test(instance)) return 'is not a host name';
  return undefined;
}

function isLoopback(name: string): boolean {
  if (LOOPBACK_NAME_RE.test(name) || LOOPBACK_V4_RE.test(name)) return true;
  const v6 = name.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!isIPv6(v6)) return false;
  const canonical = new URL(`http://[${v6}]`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/** `hostname -f`'s stdout; a failure carries execa's one-line account of it. */
async function hostnameF(signal?: AbortSignal): Promise<string> {
  const { execa, ExecaError } = await import('execa');
  // Its own process group, ended whole on abort: a wrapper that left a child holding the pipe
  // would otherwise keep the process from exiting.
  const subprocess = execa('hostname', ['-f'], {
    timeout: TIMEOUT_MS,
    env: { LC_ALL: 'C' },
    stdin: 'ignore',
    detached: true,
  });
  const abort = (): void => {
    try {
      process.kill(-subprocess.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  signal?.addEventListener('abort', abort, { once: true });
  try {
    return (await subprocess).stdout;
  } catch (err) {
    if (!(err instanceof ExecaError)) throw err;
    throw new Error(err.shortMessage.split('\n')[0], { cause: err });
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
