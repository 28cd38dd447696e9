/**
 * The one logger. Redaction is a backstop: code must not put tokens or personal data (phones,
 * message text, names) into log fields in the first place.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = 'info'): Logger {
  return pino({
    level,
    redact: {
      paths: [
        '*.accessToken',
        '*.refreshToken',
        '*.access_token',
        '*.refresh_token',
        '*.sessionToken',
        '*.authorization',
        'req.headers.authorization',
        '*.phone',
        '*.text',
        '*.clientSecret',
        '*.client_secret',
      ],
      censor: '[redacted]',
    },
  });
}
