// Database metrics and logs: MikroORM reports every query it runs, with its duration, to its
// logger; this logger turns that into Prometheus metrics and bunyan lines (queries at trace).
import type { LoggerOptions as OrmLoggerOptions } from '@mikro-orm/core';
import { Gauge, type Registry } from 'prom-client';
import { createCounterFamily, createHistogramFamily } from '../labelled-metrics.ts';
import type { Logger } from '../logger.ts';

type QueryContext = { query: string; took?: number; level?: string; label?: string };

const operations = new Set(['select', 'insert', 'update', 'delete', 'begin', 'commit', 'rollback']);

/** Readiness checks pass this as MikroORM's logger context, to be counted apart from requests. */
export const readinessQuery = { label: 'readiness' };

/** The statement's first keyword, from a fixed set: a bounded metric label. */
export function operationOf(sql: string): string {
  const keyword = /^\s*\(?\s*([a-z]+)/i.exec(sql)?.[1]?.toLowerCase() ?? '';
  return operations.has(keyword) ? keyword : 'other';
}

export type QueryRecorder = (context: QueryContext) => void;

/** Query texts whose metric series are remembered, at most; beyond it each run looks them up. */
const maxRememberedQueries = 1024;

export function createQueryMetrics(registry: Registry): QueryRecorder {
  const queries = createCounterFamily({
    name: 'db_queries_total',
    help: 'Database queries (round trips) by operation and outcome.',
    labelNames: ['operation', 'outcome'],
    registry,
  });
  const duration = createHistogramFamily({
    name: 'db_query_duration_seconds',
    help: 'Database query latency by operation (millisecond resolution).',
    labelNames: ['operation'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registry,
  });
  const seriesOf = (operation: string) => ({
    ok: queries.series(operation, 'ok'),
    error: queries.series(operation, 'error'),
    duration: duration.series(operation),
  });
  // The hot statements are a few dozen texts: each is classified once.
  const byQuery = new Map<string, ReturnType<typeof seriesOf>>();
  return ({ query, took, level, label }) => {
    let series = label === 'readiness' ? undefined : byQuery.get(query);
    if (series === undefined) {
      series = seriesOf(label === 'readiness' ? 'ping' : operationOf(query));
      if (label !== 'readiness' && byQuery.size < maxRememberedQueries) byQuery.set(query, series);
    }
    (level === 'error' ? series.error : series.ok).inc();
    if (took !== undefined) series.duration.observe(took / 1000);
  };
}

/** A MikroORM logger: its messages go to bunyan, its queries to `record`. */
export function ormLoggerFactory(log: Logger, record?: QueryRecorder) {
  return (_options: OrmLoggerOptions) => ({
    log: (namespace: string, message: string) => log.debug({ orm: namespace }, message),
    warn: (namespace: string, message: string) => log.warn({ orm: namespace }, message),
    error: (namespace: string, message: string) => log.error({ orm: namespace }, message),
    logQuery: (context: QueryContext) => {
      record?.(context);
      if (log.trace()) log.trace({ took_ms: context.took }, context.query);
    },
    setDebugMode: () => {},
    isEnabled: () => true,
  });
}

type NativePool = {
  // pg
  totalCount?: number;
  idleCount?: number;
  waitingCount?: number;
  // mysql2 (no public counters)
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
};

/** Pool gauges, read from the driver's pool at scrape time. */
export function registerPoolGauges(registry: Registry, pool: () => Promise<unknown>): void {
  const read = async () => {
    const native = (await pool().catch(() => undefined)) as NativePool | undefined;
    if (!native) return undefined;
    const total = native.totalCount ?? native._allConnections?.length ?? 0;
    const idle = native.idleCount ?? native._freeConnections?.length ?? 0;
    const waiting = native.waitingCount ?? native._connectionQueue?.length ?? 0;
    return { idle, inUse: total - idle, waiting };
  };
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const counts = await read();
      if (!counts) return;
      this.set({ state: 'idle' }, counts.idle);
      this.set({ state: 'in_use' }, counts.inUse);
    },
  });
  new Gauge({
    name: 'db_pool_waiting_requests',
    help: 'Requests waiting for a database connection.',
    registers: [registry],
    async collect() {
      this.set((await read())?.waiting ?? 0);
    },
  });
}
