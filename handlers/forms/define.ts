/**
 * A form declared once. Each field is written one time, with what the form shows (label, type,
 * options, hint, maxLength, required) and the zod schema that reads its submitted value; the
 * definition then gives both the platform-free `FormBlock` (a Slack modal, a LINE dialogue, the
 * web chat's or a browser's form all render it) and the parser of the submission into typed
 * values, with Japanese errors on the fields (`parseForm`).
 *
 *   const memo = defineForm({ formId: 'memo:new', title: 'メモ', submitLabel: '保存する', fields: {
 *     on: field.date({ label: '日付', required: true }),
 *     text: field.longtext({ label: '内容', required: true, maxLength: 500 }),
 *   } });
 *   memo.block({ on: today })           // → FormBlock
 *   memo.parse(submission, ctx.now)     // → { on: IsoDate; text: string } or a UserError
 *
 * Schemas are derived from the type unless given: text → bounded text (with the count typed), date → Japanese date
 * (今日, ４／１, 令和8年4月1日), select → one of the option values, multiselect → a list of option
 * values, number → an integer in a range. A schema may be a function of the parse context (today in
 * Japan), for rules such as "not in the future". Checks that need the database (a person by
 * name, a meeting the actor may see) stay in the handler after `parse`.
 */
import { z } from 'zod';
import { parseForm } from '../../src/chat/forms';
import type { FormBlock, FormField, FormFieldType, FormSubmission } from '../../src/chat/types';
import { jstToday } from '../../src/core/calendar/jst';
import { jpDate, optionalJpDate } from '../form-fields';

export interface ParseContext {
  /** Today in Japan (YYYY-MM-DD), for dates typed as 今日 / 11/22 and for date rules. */
  today: string;
}

type Option<V extends string = string> = { value: V; label: string };
type Schema<T> = z.ZodType<T, unknown>;

/** One field: what is shown, and how its value is read. */
interface FieldDef<T = unknown> {
  label: string;
  type: FormFieldType;
  required?: boolean;
  options?: readonly Option[];
  /** Shown when the block is built without an initial value for this field. */
  initial?: string | string[];
  placeholder?: string;
  hint?: string;
  maxLength?: number;
  accept?: string;
  /** Longtext read as typed, not trimmed (so that line numbers in messages match the user's lines). */
  raw?: boolean;
  /** Reads the field's value: a trimmed string ('' when empty), or a list for a multiselect. */
  schema: (c: ParseContext) => Schema<T>;
}

type Shown = Omit<FieldDef, 'schema' | 'type'>;
/** The field's name in its messages when the label is long (「困りごとの種類（複数可）」 → 「困りごとの種類」). */
type Named = { errorLabel?: string };
type Custom<T> = { schema?: (c: ParseContext) => Schema<T> };

const nameOf = (d: { label: string; errorLabel?: string }) => d.errorLabel ?? d.label;

function textField(type: 'text' | 'longtext' | 'person') {
  function make(d: Shown & Named & { required: true } & Custom<string>): FieldDef<string>;
  function make<T = string>(d: Shown & Named & Custom<T>): FieldDef<T>;
  function make(d: Shown & Named & Custom<unknown>): FieldDef<unknown> {
    const { errorLabel, schema, ...shown } = d;
    // The count typed, so that the counselor knows how much to cut.
    const counted = () =>
      z.string().superRefine((t, ctx) => {
        const n = [...t].length;
        if (d.required && t === '') ctx.addIssue({ code: 'custom', message: `${nameOf(d)}を入力してください。` });
        else if (d.maxLength !== undefined && n > d.maxLength)
          ctx.addIssue({ code: 'custom', message: `${nameOf(d)}は${d.maxLength}文字以内で入力してください（${n}文字）。` });
      });
    return { ...shown, type, schema: schema ?? counted };
  }
  return make;
}

function date(d: Shown & Named & { required: true } & Custom<string>): FieldDef<string>;
function date(d: Shown & Named & { required?: false } & Custom<string | null>): FieldDef<string | null>;
function date<T>(d: Shown & Named & Custom<T>): FieldDef<T>;
function date(d: Shown & Named & Custom<unknown>): FieldDef<unknown> {
  const { errorLabel, schema, ...shown } = d;
  const derived = (c: ParseContext) => (d.required ? jpDate(c.today, nameOf(d)) : optionalJpDate(c.today, nameOf(d)));
  return { ...shown, type: 'date', schema: schema ?? derived };
}

type SelectDef<V extends string> = Omit<Shown, 'options'> & Named & { options?: readonly Option<V>[]; message?: string };

/** One of the options' values (options given at `block` time are checked by the handler or core). */
function select<V extends string>(d: SelectDef<V> & { required: true } & Custom<V>): FieldDef<V>;
function select<V extends string>(d: SelectDef<V> & { required?: false } & Custom<V | null>): FieldDef<V | null>;
function select<V extends string>(d: SelectDef<V> & Custom<unknown>): FieldDef<unknown> {
  const { errorLabel, schema, message, ...shown } = d;
  const msg = message ?? `${nameOf(d)}を選んでください。`;
  const values = d.options?.map((o) => o.value);
  const derived = () =>
    z.string().transform((s, ctx) => {
      if (s === '' && !d.required) return null;
      if (s === '' || (values && !(values as string[]).includes(s))) {
        ctx.addIssue({ code: 'custom', message: msg });
        return z.NEVER;
      }
      return s as V;
    });
  return { ...shown, type: 'select', schema: schema ?? derived };
}

/** A list of the options' values, each once; required means at least one. */
function multiselect<V extends string>(d: SelectDef<V> & Custom<V[]>): FieldDef<V[]> {
  const { errorLabel, schema, message, ...shown } = d;
  const msg = message ?? `${nameOf(d)}を1つ以上選んでください。`;
  const values = d.options?.map((o) => o.value);
  const derived = () =>
    z.array(z.string()).transform((xs, ctx) => {
      const list = [...new Set(xs)];
      if ((d.required && list.length === 0) || (values && list.some((x) => !(values as string[]).includes(x)))) {
        ctx.addIssue({ code: 'custom', message: msg });
        return z.NEVER;
      }
      return list as V[];
    });
  return { ...shown, type: 'multiselect', schema: schema ?? derived };
}

type NumberDef = Shown &
  Named & { min: number; max: number /** A unit the user may type after the number (分, 件). */; unit?: string; message?: string };

/** An integer in [min, max], typed with full-width digits or a unit if need be; empty → null unless required. */
function number(d: NumberDef & { required: true } & Custom<number>): FieldDef<number>;
function number(d: NumberDef & { required?: false } & Custom<number | null>): FieldDef<number | null>;
function number(d: NumberDef & Custom<unknown>): FieldDef<unknown> {
  const { errorLabel, schema, min, max, unit, message, ...shown } = d;
  const msg = message ?? `${nameOf(d)}は${min}〜${max}の整数で入力してください。`;
  const derived = () =>
    z.string().transform((s, ctx) => {
      let t = s.normalize('NFKC').trim();
      if (unit && t.endsWith(unit)) t = t.slice(0, -unit.length).trim();
      if (t === '') {
        if (!d.required) return null;
        ctx.addIssue({ code: 'custom', message: message ?? `${nameOf(d)}を入力してください。` });
        return z.NEVER;
      }
      const n = /^-?\d+$/.test(t) ? Number(t) : Number.NaN;
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: msg });
        return z.NEVER;
      }
      return n;
    });
  return { ...shown, type: 'number', schema: schema ?? derived };
}

/** The field builders. */
export const field = {
  text: textField('text'),
  longtext: textField('longtext'),
  person: textField('person'),
  date,
  select,
  multiselect,
  number,
};

// biome-ignore lint/suspicious/noExplicitAny: a field of any value type; FormValues recovers each one.
type Fields = Record<string, FieldDef<any>>;
type FormValues<F extends Fields> = { [K in keyof F]: F[K] extends FieldDef<infer T> ? T : never };
type Initial<F extends Fields> = Partial<Record<keyof F, string | string[] | undefined>>;

interface BlockOptions<F extends Fields> {
  context?: string;
  /** Field errors (Japanese) when a refused submission is shown again. */
  errors?: Record<string, string>;
  /** Options known only at run time (a tenant's council bodies, the staff to invite). */
  options?: Partial<Record<keyof F, Option[]>>;
  title?: string;
}

export interface FormDefinition<F extends Fields> {
  readonly formId: string;
  readonly fields: F;
  /** The form to show; `initial` overrides each field's default (pass the submitted values to show them again). */
  block(initial?: Initial<F>, opts?: BlockOptions<F>): FormBlock;
  /** Reads a submission into typed values, or throws a UserError with Japanese field errors. */
  parse(form: FormSubmission, now: Date): FormValues<F>;
  /** The same with an explicit context (tests, callers that already know today). */
  parseWith(form: FormSubmission, c: ParseContext): FormValues<F>;
}

/** One submitted value as the schemas see it: a trimmed string, or a list for a multiselect. */
function normalized(def: FieldDef, v: string | string[] | undefined): string | string[] {
  if (def.type === 'multiselect') {
    const xs = Array.isArray(v) ? v : (v ?? '').split(/[,、，]/);
    return xs.map((s) => s.trim()).filter(Boolean);
  }
  if (def.raw) return Array.isArray(v) ? v.join('\n') : (v ?? '');
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim();
}

export interface FormSpec<F extends Fields> {
  formId: string;
  title: string;
  submitLabel?: string;
  fields: F;
  /**
   * Rules across fields (「ケースを指定しない場合は状況を…」), run with every field that parsed
   * (a field that failed is absent), so that all problems are reported at once. `add` puts a
   * Japanese message on a field that has none yet.
   */
  check?: (values: Partial<FormValues<F>>, add: (field: keyof F & string, message: string) => void, c: ParseContext) => void;
}

export function defineForm<F extends Fields>(def: FormSpec<F>): FormDefinition<F> {
  const entries = Object.entries(def.fields) as [string, FieldDef][];
  const parseWith = (form: FormSubmission, c: ParseContext): FormValues<F> => {
    const shape: Record<string, Schema<unknown>> = {};
    const data: Record<string, string | string[]> = {};
    for (const [name, f] of entries) {
      shape[name] = f.schema(c);
      data[name] = normalized(f, form.values[name]);
    }
    const schema = z.object(shape);
    if (!def.check) return parseForm(schema, data) as FormValues<F>;
    // Every field on its own, then the rules across fields, then one refusal with all of it.
    const values: Record<string, unknown> = {};
    const extra: Record<string, string> = {};
    for (const [name] of entries) {
      const one = shape[name]?.safeParse(data[name]);
      if (one?.success) values[name] = one.data;
    }
    def.check(
      values as Partial<FormValues<F>>,
      (f, message) => {
        if (!(f in values) || f in extra) return;
        extra[f] = message;
      },
      c,
    );
    const checked = z.any().transform((d, ctx) => {
      const r = schema.safeParse(d);
      for (const issue of r.error?.issues ?? []) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
      // Only fields that parsed get a rule's message, so these never hide a field's own error.
      for (const [f, message] of Object.entries(extra)) ctx.addIssue({ code: 'custom', path: [f], message });
      return r.success && Object.keys(extra).length === 0 ? r.data : z.NEVER;
    });
    return parseForm(checked, data) as FormValues<F>;
  };
  return {
    formId: def.formId,
    fields: def.fields,
    block(initial = {}, opts = {}) {
      const fields: FormField[] = entries.map(([name, f]) => {
        const { schema, raw, ...shown } = f;
        const given = (initial as Record<string, string | string[] | undefined>)[name];
        const options = opts.options?.[name] ?? f.options;
        return { name, ...shown, options: options ? [...options] : undefined, initial: given ?? f.initial };
      });
      return {
        type: 'form',
        formId: def.formId,
        title: opts.title ?? def.title,
        submitLabel: def.submitLabel,
        fields,
        context: opts.context,
        errors: opts.errors,
      };
    },
    parse: (form, now) => parseWith(form, { today: jstToday(now) }),
    parseWith,
  };
}

/** The submitted values that were given (a refused form shown again keeps what was typed). */
export function stringValues(values: FormSubmission['values'] | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(values ?? {})) if (v !== undefined) out[k] = v;
  return out;
}
