// Database metrics, logs and spans: MikroORM's logger hears every query with its duration, and
// each statement the services run gets a CLIENT span.
import type { LoggerOptions as OrmLoggerOptions } from '@mikro-orm/core';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import { SpanKind, SpanStatusCode, tracer } from '../tracing.ts';
import type { Dialect } from './migrations/dialect-migration.ts';

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

export function createQueryMetrics(registry: Registry): QueryRecorder {
  const queries = new Counter({
    name: 'db_queries_total',
    help: 'Database queries (round trips) by operation and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'db_query_duration_seconds',
    help: 'Database query latency by operation (millisecond resolution).',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return ({ query, took, level, label }) => {
    const operation = label === 'readiness' ? 'ping' : operationOf(query);
    queries.inc({ operation, outcome: level === 'error' ? 'error' : 'ok' });
    if (took !== undefined) duration.observe({ operation }, took / 1000);
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

/** pg's pool counters (mysql2's pool has no public ones, so MySQL has no pool gauges). */
type PgPool = { totalCount: number; idleCount: number; waitingCount: number };

/** Pool gauges, read from pg's pool at scrape time. */
export function registerPoolGauges(registry: Registry, pool: () => Promise<unknown>): void {
  const read = () =>
    pool().then(
      (native) => native as PgPool,
      () => undefined,
    );
  new Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const native = await read();
      if (!native) return;
      this.set({ state: 'idle' }, native.idleCount);
      this.set({ state: 'in_use' }, native.totalCount - native.idleCount);
    },
  });
  new Gauge({
    name: 'db_pool_waiting_requests',
    help: 'Requests waiting for a database connection.',
    registers: [registry],
    async collect() {
      this.set((await read())?.waitingCount ?? 0);
    },
  });
}

const maxSummaries = 1024;
const summaries = new Map<string, string>();

/** `select user user_statistics`: the operation and the tables in order, never a value. */
export function querySummary(sql: string): string {
  let summary = summaries.get(sql);
  if (summary === undefined) {
    const tables = new Set<string>();
    for (const [, table] of sql.matchAll(/\b(?:from|join|into|update)\s+[`"]?([\w.]+)/gi)) {
      if (table) tables.add(table);
    }
    summary = [operationOf(sql), ...tables].join(' ');
    if (summaries.size < maxSummaries) summaries.set(sql, summary);
  }
  return summary;
}

const systemNames: Record<Dialect, string> = {
  postgresql: 'postgresql',
  mysql: 'mysql',
  sqlite: 'sqlite',
};

/** Runs one statement in a span named by its summary; never a parameter or driver message on it. */
export function traceStatement<T>(
  dialect: Dialect,
  namespace: string,
  sql: string,
  run: () => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan('db', { kind: SpanKind.CLIENT });
  if (!span.isRecording()) return run();
  const summary = querySummary(sql);
  span.updateName(summary);
  span.setAttributes({
    'db.system.name': systemNames[dialect],
    'db.namespace': namespace,
    'db.operation.name': operationOf(sql),
    'db.query.summary': summary,
    'db.query.text': sql,
  });
  return run().then(
    (result) => {
      span.end();
      return result;
    },
    (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      span.setAttribute('error.type', code === undefined ? (error as Error).name : String(code));
      if (typeof code === 'string' && dialect === 'postgresql') {
        span.setAttribute('db.response.status_code', code);
      }
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      throw error;
    },
  );
}
