// Structured logging: bunyan JSON lines on stdout, with secrets kept out of every line.
import type { Writable } from 'node:stream';
import bunyan from 'bunyan';
import type { LogLevel } from './config.ts';

export type Logger = bunyan;

export type LoggerOptions = {
  name: string;
  level: LogLevel;
  /** Where lines go; stdout unless a test captures them. */
  stream?: Writable;
};

/** The stream each logger made here writes to, for flatLineWriter. */
const streams = new WeakMap<Logger, Writable>();

export function createLogger({ name, level, stream = batchedStdout() }: LoggerOptions): Logger {
  const logger = bunyan.createLogger({
    name,
    level,
    streams: [{ level, stream }],
    serializers: { err: serializeError },
  });
  streams.set(logger, stream);
  return logger;
}

export type FlatFields = Record<string, string | number>;
export type FlatLineWriter = (level: 'debug' | 'info', fields: FlatFields, msg: string) => void;

/**
 * Writes what `logger[level](fields, msg)` writes, byte for byte but for the time, for fields
 * that are strings and numbers: the access line every request logs. bunyan's own path copies the
 * logger's fields and the line's into a new record, checks the serializers, formats the message
 * and serializes a Date; on a small request that was about 7 % of the department service's
 * instructions (docs/BENCHMARKS.md). Every other line goes through bunyan. A logger not made by
 * createLogger (a child, say) is written to through bunyan.
 */
export function flatLineWriter(logger: Logger): FlatLineWriter {
  const stream = streams.get(logger);
  if (!stream) return (level, fields, msg) => logger[level](fields, msg);
  // `{"name":…,"hostname":…,"pid":…` — the logger's own fields, serialized once.
  const head = JSON.stringify(logger.fields).slice(0, -1);
  const levels = { debug: bunyan.DEBUG, info: bunyan.INFO };
  return (level, fields, msg) => {
    if (!logger[level]()) return;
    const body = JSON.stringify(fields).slice(1, -1);
    stream.write(
      `${head},"level":${levels[level]}${body && `,${body}`},"msg":${JSON.stringify(msg)},` +
        `"time":"${new Date().toISOString()}","v":0}\n`,
    );
  };
}

let stdoutBatcher: { write(line: string): boolean } | undefined;

/** How long a log line may wait for others before it is written. */
const flushAfterMs = 20;
/** Pending lines are written at once when they reach this many characters (64 KiB of ASCII). */
const flushAtLength = 64 * 1024;

/**
 * Log lines for stdout, written together: at most every 20 ms, or as soon as 64 Ki characters are
 * pending. One write system call for many requests' lines instead of one per line (or per
 * event-loop turn), and no extra poll of the event loop per turn. Whatever is pending is written
 * at exit, so the lines logged just before process.exit() (a fatal error, a forced shutdown) are
 * never lost; a process killed outright (SIGKILL, out of memory) loses at most the last 20 ms.
 */
function batchedStdout(): Writable {
  if (!stdoutBatcher) {
    let pending: string[] = [];
    let pendingLength = 0;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (pending.length === 0) return;
      const text = pending.join('');
      pending = [];
      pendingLength = 0;
      process.stdout.write(text);
    };
    process.on('exit', flush);
    stdoutBatcher = {
      write(line: string) {
        pending.push(line);
        pendingLength += line.length;
        if (pendingLength >= flushAtLength) flush();
        else timer ??= setTimeout(flush, flushAfterMs).unref();
        return true;
      },
    };
  }
  return stdoutBatcher as unknown as Writable;
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
