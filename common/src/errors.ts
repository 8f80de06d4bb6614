// One error type for the whole system; its message is safe to show clients.

export type ErrorCode = 'bad_request' | 'not_found' | 'unavailable' | 'bad_gateway' | 'internal';

export class AppError extends Error {
  override name = 'AppError';
  readonly status: number;
  readonly code: ErrorCode;

  constructor(status: number, code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.code = code;
  }
}

export const badRequest = (message: string) => new AppError(400, 'bad_request', message);

export const unavailable = (message: string, cause?: unknown) =>
  new AppError(503, 'unavailable', message, { cause });

/** Network and server-state failures: the dependency is down or overloaded, not our request. */
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  '53300', // PostgreSQL: too many connections
  '57014', // PostgreSQL: statement timeout / query cancelled
  '57P01', // PostgreSQL: admin shutdown
  '57P02', // PostgreSQL: crash shutdown
  '57P03', // PostgreSQL: cannot connect now (starting up)
]);

const unavailableMessages =
  /timeout exceeded when trying to connect|connection terminated|query read timeout|connect ETIMEDOUT|server closed the connection|Connection lost|Pool is closed/i;

/** Whether `error` or its causes say a database or network peer is unreachable. */
export function isUnavailableError(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 8; depth++) {
    if (current instanceof AppError) return current.code === 'unavailable';
    const { code, name, message, cause } = current as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof code === 'string' && (unavailableCodes.has(code) || code.startsWith('08')))
      return true;
    if (name === 'ConnectionException') return true;
    if (typeof message === 'string' && unavailableMessages.test(message)) return true;
    current = cause;
  }
  return false;
}

/** Runs `work`, failing with a 503 AppError after `ms`. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(unavailable(`${what} did not answer within ${ms} ms`)),
      ms,
    );
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
