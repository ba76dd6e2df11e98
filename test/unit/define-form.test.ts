import { describe, expect, it } from 'vitest';
import { defineForm, field } from '../../handlers/forms/define';
import { isUserError, type UserError } from '../../src/core/errors';
import type { FormSubmission } from '../../src/chat/types';

const memo = defineForm({
  formId: 'memo:new',
  title: 'メモ',
  submitLabel: '保存する',
  fields: {
    on: field.date({ label: '日付', required: true, hint: '例: 今日' }),
    due: field.date({ label: '期限' }),
    text: field.longtext({ label: '内容', required: true, maxLength: 10 }),
    note: field.text({ label: '備考', maxLength: 5 }),
    method: field.select({
      label: '方法',
      required: true,
      options: [
        { value: '訪問', label: '訪問' },
        { value: '電話', label: '電話' },
      ],
      initial: '訪問',
    }),
    flag: field.select({ label: '印', options: [{ value: 'yes', label: 'あり' }] }),
    tags: field.multiselect({
      label: '分類（複数可）',
      errorLabel: '分類',
      required: true,
      options: [
        { value: 'a', label: 'A' },
        { value: 'b', label: 'B' },
      ],
    }),
    minutes: field.number({ label: '時間（分）', errorLabel: '時間', min: 0, max: 1440, unit: '分' }),
  },
});

const submit = (values: FormSubmission['values']): FormSubmission => ({ kind: 'form', formId: 'memo:new', values });
const ok = { on: '2026-11-22', text: '本文', method: '訪問', tags: ['a'] };
const today = { today: '2026-11-22' };

function errorsOf(values: FormSubmission['values']): Record<string, string> {
  try {
    memo.parseWith(submit(values), today);
  } catch (e) {
    if (!isUserError(e)) throw e;
    expect((e as UserError).userMessage).toContain('入力内容を確認してください');
    return e.fieldErrors ?? {};
  }
  throw new Error('parsed');
}

describe('defineForm', () => {
  it('renders the block in declaration order with its initial values and run-time options', () => {
    const block = memo.block({ on: '2026-11-22' }, { context: 'x', options: { flag: [{ value: 'no', label: 'なし' }] } });
    expect(block).toMatchObject({ type: 'form', formId: 'memo:new', title: 'メモ', submitLabel: '保存する', context: 'x' });
    expect(block.fields.map((f) => f.name)).toEqual(['on', 'due', 'text', 'note', 'method', 'flag', 'tags', 'minutes']);
    expect(block.fields[0]).toMatchObject({
      name: 'on',
      label: '日付',
      type: 'date',
      required: true,
      hint: '例: 今日',
      initial: '2026-11-22',
    });
    expect(block.fields.find((f) => f.name === 'method')?.initial).toBe('訪問');
    expect(block.fields.find((f) => f.name === 'text')?.maxLength).toBe(10);
    expect(block.fields.find((f) => f.name === 'flag')?.options).toEqual([{ value: 'no', label: 'なし' }]);
    expect(JSON.stringify(block)).not.toContain('errorLabel');
  });

  it('parses a submission into typed values', () => {
    const v = memo.parseWith(submit({ ...ok, due: '１２／１', note: ' 短い ', minutes: '４５分', tags: 'a,b,a' }), today);
    expect(v).toEqual({
      on: '2026-11-22',
      due: '2026-12-01',
      text: '本文',
      note: '短い',
      method: '訪問',
      flag: null,
      tags: ['a', 'b'],
      minutes: 45,
    });
    const empty = memo.parseWith(submit(ok), today);
    expect(empty).toMatchObject({ due: null, note: '', flag: null, minutes: null });
  });

  it('reads Japanese dates typed any way, and refuses impossible ones on the field', () => {
    expect(memo.parseWith(submit({ ...ok, on: '令和8年4月1日' }), today).on).toBe('2026-04-01');
    expect(memo.parseWith(submit({ ...ok, on: '今日' }), today).on).toBe('2026-11-22');
    expect(memo.parseWith(submit({ ...ok, on: 'R8.11.1' }), today).on).toBe('2026-11-01');
    expect(errorsOf({ ...ok, on: '2026年2月30日' }).on).toMatch(/^日付: /);
    expect(errorsOf({ ...ok, on: '令和99年1月1日' }).on).toMatch(/^日付: /);
    expect(errorsOf({ ...ok, on: 'きのうのよる' }).on).toContain('日付');
    expect(errorsOf({ ...ok, on: '' }).on).toBe('日付を入力してください。');
  });

  it('gives every bad field its Japanese message at once', () => {
    const errors = errorsOf({ on: '13/45', text: '', method: '手紙', tags: [], minutes: '-5', note: '長すぎる備考です' });
    expect(Object.keys(errors).sort()).toEqual(['method', 'minutes', 'note', 'on', 'tags', 'text']);
    expect(errors.text).toBe('内容を入力してください。');
    expect(errors.note).toBe('備考は5文字以内で入力してください（8文字）。');
    expect(errors.method).toBe('方法を選んでください。');
    expect(errors.tags).toBe('分類を1つ以上選んでください。');
    expect(errors.minutes).toBe('時間は0〜1440の整数で入力してください。');
  });

  it('accepts only the options’ values', () => {
    expect(errorsOf({ ...ok, flag: 'no' }).flag).toBe('印を選んでください。');
    expect(errorsOf({ ...ok, tags: ['a', 'c'] }).tags).toBe('分類を1つ以上選んでください。');
    expect(errorsOf({ ...ok, method: '訪問 ' + 'x' }).method).toBeDefined();
  });
});

describe('defineForm rules across fields', () => {
  const req = defineForm({
    formId: 'req:new',
    title: '依頼',
    fields: {
      person: field.person({ label: 'ケース' }),
      situation: field.longtext({ label: '状況', maxLength: 10 }),
      on: field.date({ label: '日付', required: true }),
    },
    check(v, add) {
      if (v.person === '' && v.situation === '') add('situation', 'ケースを指定しない場合は、状況を入力してください。');
    },
  });
  const parse = (values: FormSubmission['values']) => req.parseWith({ kind: 'form', formId: 'req:new', values }, today);

  it('are reported together with the fields’ own errors, and never hide them', () => {
    try {
      parse({ person: '', situation: '', on: '2月30日' });
      throw new Error('parsed');
    } catch (e) {
      expect(isUserError(e) && e.fieldErrors).toEqual({
        on: expect.stringMatching(/^日付: /),
        situation: 'ケースを指定しない場合は、状況を入力してください。',
      });
    }
    expect(parse({ person: 'C-0001', situation: '', on: '今日' })).toEqual({ person: 'C-0001', situation: '', on: '2026-11-22' });
  });
});
