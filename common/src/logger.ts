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

export function createLogger({ name, level, stream = batchedStdout() }: LoggerOptions): Logger {
  return bunyan.createLogger({
    name,
    level,
    streams: [{ level, stream }],
    serializers: { err: serializeError },
  });
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
