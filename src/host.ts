/** The `instance` label: the configured one, or the host's FQDN as `hostname -f` prints it. */
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

/** `hostname -f`'s stdout; a failure carries execa's one-line account of it. */
async function hostnameF(): Promise<string> {
  const { execa, ExecaError } = await import('execa');
  try {
    return (await execa('hostname', ['-f'], { timeout: TIMEOUT_MS, env: { LC_ALL: 'C' }, stdin: 'ignore' })).stdout;
  } catch (err) {
    if (!(err instanceof ExecaError)) throw err;
    throw new Error(err.shortMessage.split('\n')[0], { cause: err });
  }
}
