import { LogLevel, type Logger } from '@slack/bolt';
import { log, safeErrorText, safeText } from '../../log';

/**
 * Bolt's and the OAuth installer's logger, onto ours. Their debug output may include request
 * bodies (personal data), so only warnings and errors pass, as text.
 */
export function boltLogger(component = 'bolt'): Logger {
  const child = log.child({ component });
  let level = LogLevel.WARN;
  // An error becomes its safe form (no query params, no quoted input); so does any other text.
  const text = (m: unknown[]) => m.map((x) => (x instanceof Error ? safeErrorText(x) : (safeText(String(x)) ?? '[withheld]'))).join(' ');
  return {
    debug: () => {},
    info: () => {},
    warn: (...m: unknown[]) => child.warn(text(m)),
    error: (...m: unknown[]) => child.error(text(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
