import { describe, expect, it } from 'vitest';
import type { ListBlock } from '../../src/chat/types';
import type { Agenda, AgendaIssue } from '../../src/core/meetings/agenda';
import { agendaReply } from '../../handlers/kaigi/render';

const issue = (n: number): AgendaIssue => ({ number: n, title: `課題${n}`, status: 'submitted', priority: null, affected: 1, offices: 1 });
const meeting = {
  id: 'm',
  kind: 'unei',
  bodyId: null,
  bodyName: '運営会議',
  title: '第8回 運営会議',
  startsAt: new Date('2026-11-30T05:00:00Z'),
  endsAt: new Date('2026-11-30T07:00:00Z'),
  place: null,
  personCode: null,
  cancelled: false,
  attendees: [],
  hasMinutes: false,
  scope: { tenantId: 't', kind: 'unei', createdBy: 's', person: null, attendeeIds: [] },
};

describe('agenda rendering', () => {
  it('a long list of issues is cut at 15 with the count of the rest, so it fits a chat message', () => {
    const agenda: Agenda = { meeting, waiting: Array.from({ length: 40 }, (_, i) => issue(i + 1)), inProgress: [], previous: null };
    const reply = agendaReply(agenda, true);
    const waiting = reply.blocks.find((b): b is ListBlock => b.type === 'list');
    expect(waiting?.title).toContain('整理待ちの地域課題（40件）');
    expect(waiting?.items).toHaveLength(16);
    expect(waiting?.items.at(-1)?.title).toBe('ほか25件');
  });

  it('shows the meeting time in Japan time and says when there is nothing to discuss', () => {
    const text = JSON.stringify(agendaReply({ meeting, waiting: [], inProgress: [], previous: null }, false));
    expect(text).toContain('11/30(月) 14:00～16:00');
    expect(text).toContain('整理待ちの地域課題: なし');
    expect(text).toContain('検討中の地域課題: なし');
  });
});
