/**
 * `pushagent validate`: every problem as `file:line:col: message` (exit 3), or a table of the
 * checks with when each runs on this host (its splay phase, which needs the instance).
 */
import { phaseMs } from '../agent/splay.js';
import { formatDuration } from '../common/duration.js';
import { displayPath } from '../config/load.js';
import { resolveInstance } from '../host.js';
import { EXIT, type CommandIo } from './io.js';
import { loadOrReport } from './load-or-report.js';

export async function validate(opts: { config?: string | undefined }, io: CommandIo): Promise<number> {
  const loaded = await loadOrReport(opts.config, io);
  if (!loaded) return EXIT.invalid;
  // The phase is a hash of the instance and the check: without the instance, no phase to show.
  let instance: string | undefined;
  let noInstance: string | undefined;
  try {
    instance = await resolveInstance(loaded.config.instance);
  } catch (err) {
    noInstance = (err as Error).message;
  }
  const phase = (splayMs: number, name: string): string =>
    splayMs === 0 ? '-' : instance === undefined ? '?' : `+${formatDuration(phaseMs(instance, name, splayMs))}`;
  const rows = loaded.checks.map((c) => [
    c.name,
    c.schedule.kind === 'interval' ? `every ${formatDuration(c.schedule.ms)}` : `cron ${c.schedule.expr}`,
    phase(c.splayMs, c.name),
    formatDuration(c.timeoutMs),
    c.describe,
    `${c.file}:${c.line}`,
  ]);
  io.out(table([['CHECK', 'SCHEDULE', 'PHASE', 'TIMEOUT', 'KIND', 'FILE'], ...rows]));
  if (noInstance !== undefined) io.err(`phases not shown (?): ${noInstance}\n`);
  const { file, checksDir } = loaded.config;
  const where = file ? `config ${displayPath(io.cwd, file)}` : 'no config file (defaults)';
  io.err(
    `${loaded.checks.length} check${loaded.checks.length === 1 ? '' : 's'} valid (${where}, checks in ${displayPath(io.cwd, checksDir)})\n`,
  );
  return EXIT.ok;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') +
    '\n'
  );
}
