/**
 * serve's log, formatted in one place: `--log-format text` (the default) writes the lines serve always wrote,
 * `<ISO time> regsync serve: <msg>`; `json` writes one object per line, `{time, level, msg, event, ...fields}`, for
 * log aggregation. Both go to the CLI's redacting stderr; in JSON the string values are also redacted before they are
 * encoded, since a secret holding `"` or `\` would be escaped by JSON.stringify and slip past a redaction of the line.
 */
import { redact } from '../util/redact.js';

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogLevel = 'info' | 'warn' | 'error';

/** What a JSON line carries besides time, level and msg: `event` always, then the event's own fields. */
export interface LogFields {
  event: string;
  [field: string]: unknown;
}

export interface ServeLog {
  info(msg: string, fields: LogFields): void;
  warn(msg: string, fields: LogFields): void;
  error(msg: string, fields: LogFields): void;
  /**
   * A line only the JSON log has (each settled change's result): the text log keeps to the lines it always had,
   * where a change shows up only when it failed.
   */
  detail(level: LogLevel, msg: string, fields: LogFields): void;
}

/** One line of log, newline included. */
export function formatLogLine(
  format: LogFormat,
  level: LogLevel,
  msg: string,
  fields: LogFields,
  time: Date,
  secrets: Iterable<string> = [],
): string {
  if (format === 'text') return `${time.toISOString()} regsync serve: ${msg}\n`;
  const hide = [...secrets];
  const clean = (value: unknown): unknown => {
    if (typeof value === 'string') return redact(value, hide);
    if (Array.isArray(value)) return value.map(clean);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, clean(inner)]));
    return value;
  };
  // time, level, msg and event first, whatever `fields` holds: the same keys lead every line.
  const { event, ...rest } = fields;
  const object = { time: time.toISOString(), level, msg, event, ...rest };
  return `${JSON.stringify(clean(object))}\n`;
}

export interface ServeLogOptions {
  format: LogFormat;
  write: (line: string) => void;
  now?: () => Date;
  /** The config's secrets as known now (they change when the config does). */
  secrets?: () => Iterable<string>;
}

export function createServeLog(options: ServeLogOptions): ServeLog {
  const now = options.now ?? (() => new Date());
  const line = (level: LogLevel, msg: string, fields: LogFields): void =>
    options.write(formatLogLine(options.format, level, msg, fields, now(), options.secrets?.() ?? []));
  return {
    info: (msg, fields) => line('info', msg, fields),
    warn: (msg, fields) => line('warn', msg, fields),
    error: (msg, fields) => line('error', msg, fields),
    detail: (level, msg, fields) => {
      if (options.format === 'json') line(level, msg, fields);
    },
  };
}

/** A log that writes nothing (tests of other concerns). */
export const silentLog: ServeLog = { info: () => undefined, warn: () => undefined, error: () => undefined, detail: () => undefined };
