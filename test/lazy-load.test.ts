/**
 * Each verb loads only what it uses: `validate` and `--dry-run` never load the HTTP client
 * (undici), `once` does. The built CLI runs with a module hook (`--import`) that writes down every
 * module file Node loads; a loaded file holding undici's code is one that contains its error code
 * UND_ERR_SOCKET (a string minifying keeps).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { workdir } from './helpers/workdir.js';

const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.LOAD_LOG, url + '\\n');
  return next(url, context);
}
`;
const REGISTER = `import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n`;

/** The files of dist/ a command loaded, and which of them hold undici's code. */
async function loadsOf(args: string[]): Promise<{ exitCode: number; loaded: string[]; undici: string[] }> {
  const cwd = await workdir({
    'hooks.mjs': HOOKS,
    'register.mjs': REGISTER,
    // A gateway on a port nothing listens on: `once` gets as far as its push, and fails there.
    'pushagent.config.yaml': 'pushgateway:\n  url: http://127.0.0.1:9\n  timeout: 1s\ninstance: web01\n',
    'checks/a.yaml': 'name: a\ncommand: echo 1\nmetric: {name: a_value}\n',
  });
  const log = path.join(cwd, 'loads.txt');
  const r = await runCli(args, {
    cwd,
    env: { LOAD_LOG: log, NODE_OPTIONS: `--import ${path.join(cwd, 'register.mjs')}` },
  });
  const urls = (await readFile(log, 'utf8')).split('\n').filter((u) => u.startsWith('file:'));
  const loaded = urls.map((u) => fileURLToPath(u)).filter((f) => f.includes(`${path.sep}dist${path.sep}`));
  const undici: string[] = [];
  for (const file of loaded) if ((await readFile(file, 'utf8')).includes('UND_ERR_SOCKET')) undici.push(file);
  return { exitCode: r.exitCode, loaded, undici };
}

describe('what each verb loads', () => {
  it('once pushes through undici: it loads it (the control)', async () => {
    const r = await loadsOf(['once']);
    expect(r.exitCode).toBe(2); // the gateway is down
    expect(r.undici).toHaveLength(1);
  });

  it.each([[['validate']], [['once', '--dry-run']]])('%j never loads undici', async (args) => {
    const r = await loadsOf(args);
    expect(r.exitCode).toBe(0);
    expect(r.loaded.length).toBeGreaterThan(1);
    expect(r.undici).toEqual([]);
  });
});
