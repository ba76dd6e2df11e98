import type { z } from 'zod';
import { UserError } from '../core/errors';
import type { FormSubmission } from './types';

/** One value of a submitted form as a trimmed string ('' when absent). */
export function formText(form: FormSubmission, name: string): string {
  const v = form.values[name];
  if (Array.isArray(v)) return v.join(',').trim();
  return (v ?? '').trim();
}

export function formList(form: FormSubmission, name: string): string[] {
  const v = form.values[name];
  if (Array.isArray(v)) return v.map((s) => s.trim()).filter(Boolean);
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Validates with a zod schema whose messages are Japanese; a failure becomes a UserError whose
 * field errors every platform can show next to the field.
 */
export function parseForm<T extends z.ZodType>(schema: T, data: unknown): z.infer<T> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? '_');
    fieldErrors[key] ??= issue.message;
  }
  const first = Object.values(fieldErrors)[0] ?? '入力内容を確認してください。';
  throw new UserError(
    'invalid_form',
    `入力内容を確認してください: ${first}`,
    `invalid form fields: ${Object.keys(fieldErrors).join(',')}`,
    fieldErrors,
  );
}
