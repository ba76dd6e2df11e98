import pino from 'pino';

/**
 * One logger. Personal data never reaches it: callers log ids and codes, and these paths are
 * redacted as a second line of defence.
 */
export const log = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { app: 'soudan-bot' },
  redact: {
    paths: ['*.summary', '*.text', '*.familyName', '*.givenName', '*.body', '*.password', '*.token', 'req.headers.authorization'],
    censor: '[redacted]',
  },
});

export type Logger = typeof log;
