import { LogLevel, type Logger } from '@slack/bolt';
import { log } from '../../log';

/**
 * Bolt's and the OAuth installer's logger, onto ours. Their debug output may include request
 * bodies (personal data), so only warnings and errors pass, as text.
 */
export function boltLogger(component = 'bolt'): Logger {
  const child = log.child({ component });
  let level = LogLevel.WARN;
  const text = (m: unknown[]) => m.map((x) => (x instanceof Error ? `${x.name}: ${x.message}` : String(x))).join(' ');
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
