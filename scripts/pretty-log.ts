// Turns bunyan JSON lines into one readable line each, for `npm start`.
import { styleText } from 'node:util';

const levels: Record<number, [string, Parameters<typeof styleText>[0]]> = {
  10: ['TRACE', 'gray'],
  20: ['DEBUG', 'gray'],
  30: ['INFO ', 'green'],
  40: ['WARN ', 'yellow'],
  50: ['ERROR', 'red'],
  60: ['FATAL', 'magenta'],
};

const bunyanFields = new Set(['name', 'hostname', 'pid', 'level', 'msg', 'time', 'v', 'err']);

export function prettyLogLine(line: string, color = false): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof record !== 'object' || record === null || typeof record.level !== 'number')
    return line;
  const paint = (style: Parameters<typeof styleText>[0], text: string) =>
    color ? styleText(style, text) : text;
  const [label, style] = levels[record.level] ?? ['?????', 'white'];
  const time = typeof record.time === 'string' ? record.time.slice(11, 23) : '';
  const extras = Object.entries(record)
    .filter(([key]) => !bunyanFields.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const error = record.err as { stack?: string; message?: string } | undefined;
  const errorText = error
    ? `\n    ${(error.stack ?? error.message ?? '').replaceAll('\n', '\n    ')}`
    : '';
  return `${paint('gray', time)} ${paint(style, label)} ${record.msg}${extras ? ` ${paint('gray', extras)}` : ''}${errorText}`;
}
