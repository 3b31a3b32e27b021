/** The `instance` label: the configured one, or the host's FQDN as `hostname -f` prints it. */
import { execa } from 'execa';
import { InstanceError } from './errors.js';

const NOT_A_HOST = new Set(['', 'localhost', 'localhost.localdomain', 'localhost6', 'localhost6.localdomain6']);

export async function resolveInstance(configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  let fqdn: string;
  try {
    const r = await execa('hostname', ['-f'], { timeout: 5000, stdin: 'ignore', env: { LC_ALL: 'C' } });
    fqdn = r.stdout.trim();
  } catch (err) {
    const why = (err as { shortMessage?: string }).shortMessage ?? (err as Error).message;
    throw new InstanceError(`cannot find this host's FQDN (\`hostname -f\` failed: ${why.split('\n')[0]}); set \`instance:\` in the config`, { cause: err });
  }
  if (NOT_A_HOST.has(fqdn.toLowerCase())) {
    throw new InstanceError(`this host's FQDN is ${JSON.stringify(fqdn)} (from \`hostname -f\`), which would mix hosts into one series; set \`instance:\` in the config`);
  }
  return fqdn;
}
