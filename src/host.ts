/** The `instance` label: the configured one, or the host's FQDN as `hostname -f` prints it. */
import { execFile } from 'node:child_process';
import { InstanceError } from './errors.js';

const NOT_A_HOST = new Set(['', 'localhost', 'localhost.localdomain', 'localhost6', 'localhost6.localdomain6']);

const TIMEOUT_MS = 5000;

export async function resolveInstance(configured: string | undefined): Promise<string> {
  return configured ?? fqdnFrom(hostnameF());
}

async function fqdnFrom(stdout: Promise<string>): Promise<string> {
  let fqdn: string;
  try {
    fqdn = (await stdout).trim();
  } catch (err) {
    throw new InstanceError(`cannot find this host's FQDN (\`hostname -f\` failed: ${(err as Error).message}); set \`instance:\` in the config`, { cause: err });
  }
  if (NOT_A_HOST.has(fqdn.toLowerCase())) {
    throw new InstanceError(`this host's FQDN is ${JSON.stringify(fqdn)} (from \`hostname -f\`), which would mix hosts into one series; set \`instance:\` in the config`);
  }
  return fqdn;
}

/**
 * `hostname -f`'s stdout. node:child_process rather than execa, which `once` would load for this
 * alone; failures are worded as execa's were (`Command failed with exit code 1: hostname -f`).
 */
function hostnameF(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('hostname', ['-f'], { timeout: TIMEOUT_MS, env: { ...process.env, LC_ALL: 'C' }, encoding: 'utf8' }, (err, stdout) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: string | number | null };
      const why =
        typeof e.code === 'string'
          ? `Command failed with ${e.code}`
          : e.killed && e.signal === 'SIGTERM'
            ? `Command timed out after ${TIMEOUT_MS} milliseconds`
            : e.signal
              ? `Command was killed with ${e.signal}`
              : `Command failed with exit code ${e.code}`;
      reject(Object.assign(new Error(`${why}: hostname -f`), { cause: err }));
    });
  });
}
