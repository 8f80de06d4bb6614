// Structured logging: bunyan JSON lines on stdout, with secrets kept out of every line.
import type { Writable } from 'node:stream';
import { TraceFlags, trace } from '@opentelemetry/api';
import bunyan from 'bunyan';
import type { LogLevel } from './config.ts';

export type Logger = bunyan;

export type LoggerOptions = {
  name: string;
  level: LogLevel;
  /** Where lines go; stdout unless a test captures them. */
  stream?: Writable;
};

export function createLogger({ name, level, stream = process.stdout }: LoggerOptions): Logger {
  return bunyan.createLogger({
    name,
    level,
    streams: [{ level, type: 'raw', stream: withTraceIds(stream) }],
    serializers: { err: serializeError },
  });
}

/** The ids of the span active now; none outside a sampled span. */
function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const { traceId, spanId, traceFlags } = span.spanContext();
  if (!(traceFlags & TraceFlags.SAMPLED)) return undefined;
  return { trace_id: traceId, span_id: spanId };
}

/** bunyan's line, plus trace_id and span_id while a sampled span is active. */
function withTraceIds(stream: Writable) {
  return {
    write(record: object) {
      const ids = activeTraceIds();
      if (ids) Object.assign(record, ids);
      let line: string;
      try {
        line = JSON.stringify(record);
      } catch {
        line = JSON.stringify(record, bunyan.safeCycles()); // what bunyan falls back to as well
      }
      stream.write(`${line}\n`);
    },
  };
}

/** `postgres://app:s3cret@db/x` → `postgres://app:***@db/x`; anything unparsable is hidden whole. */
export function redactUrl(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return '<unparsable url>';
  }
}

/** bunyan's error serializer, plus the cause chain and driver codes, with URLs redacted. */
function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const serialized = bunyan.stdSerializers.err(error) as Record<string, unknown>;
  const withCode = error as Error & { code?: unknown; cause?: unknown };
  if (withCode.code !== undefined) serialized.code = withCode.code;
  if (withCode.cause !== undefined) serialized.cause = serializeError(withCode.cause);
  for (const key of ['message', 'stack'] as const) {
    if (typeof serialized[key] === 'string') serialized[key] = redactUrlsIn(serialized[key]);
  }
  return serialized;
}

const urlWithCredentials = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:/@]+):([^\s@/]+)@/gi;

export function redactUrlsIn(text: string): string {
  return text.replace(urlWithCredentials, '$1$2:***@');
}
