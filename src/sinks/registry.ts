/**
 * THE table of sinks, shaped like the check-kind table: a row names the config key a sink is read
 * from and makes its sinks, loading their code only then (so `validate` and `--dry-run` never load
 * an HTTP client). Adding a sink: its schema in config/agent-schema.ts, one file here, one row.
 */
import type { AgentConfig } from '../config/load.js';
import type { Sink, SinkContext, SinkKind } from './sink.js';

type SinkConfigs = Pick<AgentConfig, 'pushgateway' | 'remote_write' | 'textfile' | 'exporter'>;

export const SINKS: { readonly [K in keyof SinkConfigs]-?: SinkKind<NonNullable<SinkConfigs[K]>> } = {
  // A dry run previews from light modules: no HTTP client is loaded.
  pushgateway: {
    key: 'pushgateway',
    create: async (c, ctx) =>
      ctx.dryRun
        ? [(await import('./stdout.js')).gatewayPreview(ctx.stdout)]
        : (await import('./pushgateway.js')).pushgatewaySinks(c, ctx),
  },
  remote_write: {
    key: 'remote_write',
    create: async (c, ctx) =>
      ctx.dryRun
        ? (await import('./remote-write-series.js')).remoteWritePreviews(c, ctx)
        : (await import('./remote-write.js')).remoteWriteSinks(c, ctx),
  },
  textfile: { key: 'textfile', create: async (c, ctx) => (await import('./textfile.js')).textfileSinks(c, ctx) },
  exporter: {
    key: 'exporter',
    create: async (c, ctx, previous) => (await import('./exporter.js')).exporterSinks(c, ctx, previous),
  },
};

/**
 * Every configured sink, in table order; none configured: what would be sent, on stdout. An output
 * may make no sink in a mode (the exporter in `once`): then there may be none.
 */
export async function createSinks(config: SinkConfigs, ctx: SinkContext): Promise<Sink[]> {
  const sinks: Sink[] = [];
  for (const [key, kind] of Object.entries(SINKS) as [keyof SinkConfigs, SinkKind<unknown>][]) {
    const c = config[key];
    if (c !== undefined) sinks.push(...(await kind.create(c, ctx)));
  }
  if (sinks.length > 0 || anySink(config)) return sinks;
  const { gatewayPreview } = await import('./stdout.js');
  return [gatewayPreview(ctx.stdout)];
}

/** Whether any sink is configured (without one, output goes to stdout). */
export function anySink(config: SinkConfigs): boolean {
  return Object.keys(SINKS).some((key) => config[key as keyof SinkConfigs] !== undefined);
}
