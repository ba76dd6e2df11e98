/**
 * What the morning digest, the last call, the escalation and 「予定」 list, and in which section.
 * Pure: the caller loads the items (with their labels) and says what "today" is. How they look
 * in chat is handlers/notices/digest.ts.
 */
import { addDays, compareDates, monthOf, addMonths, type IsoDate } from '../calendar/jst';

export interface DigestItem {
  reminderId: string;
  kind: string;
  /** What the reminder is about (a plan, a meeting …): a meeting's several reminders are one line. */
  subjectId?: string;
  dueOn: IsoDate;
  status: string;
  snoozedUntil: string | null;
  /** What it is about, e.g. 'C-0012 山田 太郎' or a meeting title. */
  title: string;
  /** One more line: 'モニタリング 令和8年11月', '受給者証 令和9年3月31日まで'. */
  detail: string;
}

export type Section = 'overdue' | 'now' | 'coming';

/** Meetings this far ahead are listed; action items this far ahead count as coming. */
const MEETING_LOOKAHEAD_DAYS = 14;
const ACTION_LOOKAHEAD_DAYS = 7;

/**
 * What a list is for. The morning `digest` (and the last call) leaves out what was snoozed until
 * a later day: that is what snoozing is for. The `listing` (「予定」) is everything still to do, a
 * snoozed item included and marked with the day it comes back (「再通知 12/11(金)」), so that it
 * never vanishes while the case card still shows it as due.
 */
export type DigestMode = 'digest' | 'listing';

/** Is a reminder visible today: open, or snoozed until today or earlier (any snoozed one in a listing). */
function isVisible(item: Pick<DigestItem, 'status' | 'snoozedUntil'>, today: IsoDate, mode: DigestMode = 'digest'): boolean {
  if (item.status === 'open') return true;
  if (item.status !== 'snoozed') return false;
  return mode === 'listing' || item.snoozedUntil === null || compareDates(item.snoozedUntil, today) <= 0;
}

/** Snoozed to a day after today: the day it comes back, else null. */
export function snoozedTill(item: Pick<DigestItem, 'status' | 'snoozedUntil'>, today: IsoDate): IsoDate | null {
  return item.status === 'snoozed' && item.snoozedUntil !== null && compareDates(item.snoozedUntil, today) > 0 ? item.snoozedUntil : null;
}

/** Where an item belongs in today's digest (or listing), or null when it is not worth a line today. */
export function sectionOf(item: DigestItem, today: IsoDate, mode: DigestMode = 'digest'): Section | null {
  if (!isVisible(item, today, mode)) return null;
  const c = compareDates(item.dueOn, today);
  const thisMonth = monthOf(today);
  switch (item.kind) {
    case 'monitoring': {
      const m = monthOf(item.dueOn);
      if (c < 0) return 'overdue';
      if (m === thisMonth) return 'now';
      return m === addMonths(thisMonth, 1) ? 'coming' : null;
    }
    case 'certificate':
      return c < 0 ? 'overdue' : 'now';
    case 'secondary_waiting':
      return 'overdue';
    case 'meeting':
      if (c < 0) return null;
      if (c === 0) return 'now';
      return compareDates(item.dueOn, addDays(today, MEETING_LOOKAHEAD_DAYS)) <= 0 ? 'coming' : null;
    default:
      if (c < 0) return 'overdue';
      if (c === 0) return 'now';
      // The digest mentions a 宿題 from a week ahead; 予定 lists every one still open.
      return mode === 'listing' || compareDates(item.dueOn, addDays(today, ACTION_LOOKAHEAD_DAYS)) <= 0 ? 'coming' : null;
  }
}

export interface DigestSections {
  overdue: DigestItem[];
  now: DigestItem[];
  coming: DigestItem[];
}

export function groupDigest(items: readonly DigestItem[], today: IsoDate, mode: DigestMode = 'digest'): DigestSections {
  const out: DigestSections = { overdue: [], now: [], coming: [] };
  const meetingsSeen = new Set<string>();
  for (const item of items) {
    const s = sectionOf(item, today, mode);
    if (!s) continue;
    // A meeting has a reminder the day before and one on the day: listed once.
    if (item.kind === 'meeting' && item.subjectId) {
      if (meetingsSeen.has(item.subjectId)) continue;
      meetingsSeen.add(item.subjectId);
    }
    out[s].push(item);
  }
  for (const list of [out.overdue, out.now, out.coming])
    list.sort((a: DigestItem, b: DigestItem) => compareDates(a.dueOn, b.dueOn) || a.title.localeCompare(b.title, 'ja'));
  return out;
}

export function digestCount(s: DigestSections): number {
  return s.overdue.length + s.now.length + s.coming.length;
}
