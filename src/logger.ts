// pino JSON logs on stdout. Reconciles get children bound to {controller, key, reconcileId}.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export function createLogger(level: LogLevel, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Secret material never belongs in logs; these are redacted wherever they appear.
    redact: { paths: ['*.data', '*.stringData', '*.password', '*.privateKey', '*["tls.key"]'], censor: '[redacted]' },
  });
}
