/**
 * Services log JSON (pino) so machines can read it; in the runner's terminal a
 * learner reads it. This turns one pino line into `INFO  message  key=value`,
 * and leaves any other line (redis-server's, a stack trace) untouched.
 */

const levelNames: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
// Fields every pino line carries that the prefix or the message already say.
const omitted = new Set(['level', 'time', 'pid', 'hostname', 'instance', 'msg', 'v']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

export function formatPinoLine(text: string): string {
  if (!text.startsWith('{"level":')) return text;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text;
  }
  const level = typeof entry.level === 'number' ? (levelNames[entry.level] ?? String(entry.level)) : 'LOG';
  const message = typeof entry.msg === 'string' ? entry.msg : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !omitted.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  return [level.padEnd(5), message, ...fields].filter((part) => part !== '').join('  ');
}
