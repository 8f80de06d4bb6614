// A bunyan logger whose lines tests can read back.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../logger.ts';

export type CapturedLogs = {
  logger: Logger;
  lines: () => Record<string, unknown>[];
  text: () => string;
};

export function captureLogs(name = 'test'): CapturedLogs {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ name, level: 'debug', stream });
  const text = () => chunks.join('');
  const lines = () =>
    text()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, text };
}
