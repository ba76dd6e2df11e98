/**
 * Stored conversation state read back through a schema, never a bare cast. A dialogue (or a
 * one-time form link) written by an older version of the bot may still be in PostgreSQL after a
 * deploy; if it does not have the shape this version expects, the user is asked politely to
 * start again (STALE_STATE_MESSAGE) and the state is dropped, instead of being misread.
 */
import { z } from 'zod';
import type { FormBlock } from '../types';
import type { DialogueState } from './questions';

export const STALE_STATE_MESSAGE = '入力の途中で更新がありました。お手数ですが、もう一度最初から入力してください。';

const value = z.union([z.string(), z.array(z.string())]);

const formField = z.object({
  name: z.string().min(1),
  label: z.string(),
  type: z.enum(['text', 'longtext', 'date', 'select', 'multiselect', 'number', 'person']),
  required: z.boolean().optional(),
  options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  initial: value.optional(),
  placeholder: z.string().optional(),
  hint: z.string().optional(),
  maxLength: z.number().int().nonnegative().optional(),
  accept: z.string().optional(),
});

const formBlockSchema = z.object({
  type: z.literal('form'),
  formId: z.string().regex(/^[^:]+:.+$/),
  title: z.string(),
  submitLabel: z.string().optional(),
  fields: z.array(formField).min(1),
  context: z.string().optional(),
  errors: z.record(z.string(), z.string()).optional(),
}) satisfies z.ZodType<FormBlock>;

const dialogueStateSchema = z
  .object({
    form: formBlockSchema,
    index: z.number().int().nonnegative(),
    answers: z.record(z.string(), value),
    page: z.number().int().nonnegative().optional(),
    picked: z.array(z.string()).optional(),
    fixing: z.array(z.object({ field: z.string(), error: z.string() })).optional(),
  })
  .refine((s) => s.index < s.form.fields.length, { message: 'index beyond the form' }) satisfies z.ZodType<DialogueState>;

/** The stored value as this version's shape, or null when it is of another (older or unknown) shape. */
export function readDialogueState(stored: unknown): DialogueState | null {
  const parsed = dialogueStateSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}

export function readFormBlock(stored: unknown): FormBlock | null {
  const parsed = formBlockSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}
