/** `pushagent validate`: every problem as `file:line:col: message` (exit 3), or a table of the checks. */
import { formatDuration } from '../common/duration.js';
import { displayPath } from '../config/load.js';
import { EXIT, type CommandIo } from './io.js';
import { loadOrReport } from './load-or-report.js';

export async function validate(opts: { config?: string | undefined }, io: CommandIo): Promise<number> {
  const loaded = await loadOrReport(opts.config, io);
  if (!loaded) return EXIT.invalid;
  const rows = loaded.checks.map((c) => [
    c.name,
    c.schedule.kind === 'interval' ? `every ${formatDuration(c.schedule.ms)}` : `cron ${c.schedule.expr}`,
    formatDuration(c.timeoutMs),
    c.describe,
    `${c.file}:${c.line}`,
  ]);
  io.out(table([['CHECK', 'SCHEDULE', 'TIMEOUT', 'KIND', 'FILE'], ...rows]));
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
