import { UserError } from '../errors';

/** A JST wall-clock time of day. */
export interface TimeOfDay {
  hour: number;
  minute: number;
}

export interface TimeRange {
  start: TimeOfDay;
  end: TimeOfDay | null;
}

const TIME = '(\\d{1,2})(?:[:時](\\d{1,2})?分?)?';
// '14:00～', '10:00～12:00', '13:30-15:00', '10時～12時半', '14時'
const RANGE_RE = new RegExp(`^${TIME}(半)?(?:[~〜～\\-ー－](?:${TIME}(半)?)?)?$`);

function toTime(h: string | undefined, m: string | undefined, half: string | undefined): TimeOfDay | null {
  if (h === undefined) return null;
  const hour = Number(h);
  const minute = half ? 30 : Number(m ?? '0');
  if (!Number.isInteger(hour) || hour < 0 || hour > 23 || !Number.isInteger(minute) || minute < 0 || minute > 59) return null;
  return { hour, minute };
}

const minutesOf = (t: TimeOfDay) => t.hour * 60 + t.minute;

/**
 * Reads a time or a time range as the 綾瀬市 plan writes it ('14:00～', '10:00～12:00', '10時半').
 * The end is optional; when given it must come after the start (no meeting runs past midnight).
 */
export function parseTimeRange(input: string, field = 'time'): TimeRange {
  const s = input.normalize('NFKC').replace(/\s+/g, '');
  const m = RANGE_RE.exec(s);
  const fail = (why: string): never => {
    const msg = `${why}例: 14:00、10:00～12:00、13時半～15時`;
    throw new UserError('bad_time', msg, `bad time: ${field}`, { [field]: msg });
  };
  if (s === '') return fail('時刻が入力されていません。');
  if (!m) return fail('時刻として読み取れませんでした。');
  const start = toTime(m[1], m[2], m[3]);
  if (!start) return fail('時刻は0:00〜23:59の範囲で入力してください。');
  const end = m[4] === undefined ? null : toTime(m[4], m[5], m[6]);
  if (m[4] !== undefined && !end) return fail('終了時刻は0:00〜23:59の範囲で入力してください。');
  if (end && minutesOf(end) <= minutesOf(start)) return fail('終了時刻は開始時刻より後にしてください。');
  return { start, end };
}
