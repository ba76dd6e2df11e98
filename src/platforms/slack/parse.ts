import type { FormSubmission } from '../../chat/types';
import type { CommandRegistry } from '../../chat/registry';
import type { ModalMetadata, Origin } from './render';

/** The registry id of a slash command: `/case`, or `/soudan-case` where a name had to be prefixed. */
export function commandName(registry: CommandRegistry, slash: string): string | null {
  const word = slash.replace(/^\//, '');
  const spec = registry.resolve(word);
  if (spec) return spec.id;
  const dash = word.lastIndexOf('-');
  if (dash >= 0) return registry.resolve(word.slice(dash + 1))?.id ?? (word.slice(dash + 1) === 'link' ? 'link' : null);
  return word === 'link' ? 'link' : null;
}

type StateValue = {
  type?: string;
  value?: string | null;
  selected_date?: string | null;
  selected_option?: { value?: string } | null;
  selected_options?: { value?: string }[] | null;
};

/** A modal's state (`block_id` = field name, one element each) as raw form values. */
export function formValues(state: Record<string, Record<string, StateValue>> | undefined): FormSubmission['values'] {
  const values: FormSubmission['values'] = {};
  for (const [field, elements] of Object.entries(state ?? {})) {
    const el = Object.values(elements)[0];
    if (!el) continue;
    if (el.selected_options) values[field] = el.selected_options.map((o) => o.value ?? '');
    else if (el.selected_option !== undefined) values[field] = el.selected_option?.value ?? '';
    else if (el.selected_date !== undefined) values[field] = el.selected_date ?? '';
    else values[field] = el.value ?? '';
  }
  return values;
}

export function parseMetadata(raw: string | undefined): ModalMetadata | null {
  try {
    const v = JSON.parse(raw ?? '') as Partial<ModalMetadata>;
    if (typeof v.f !== 'string') return null;
    return {
      f: v.f,
      c: typeof v.c === 'string' ? v.c : undefined,
      r: typeof v.r === 'string' ? v.r : undefined,
      ...(v.h === 1 ? { h: 1 as const } : {}),
    };
  } catch {
    return null;
  }
}

/** Origin carried by a page or open-form button; null when tampered or malformed. */
export function parseOrigin(v: unknown): Origin | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (o.k === 'c' && typeof o.n === 'string' && typeof o.t === 'string') return { k: 'c', n: o.n, t: o.t };
  if (o.k === 'a' && typeof o.i === 'string' && typeof o.v === 'string') return { k: 'a', i: o.i, v: o.v };
  return null;
}

export function parseJson(raw: string | undefined): unknown {
  try {
    return JSON.parse(raw ?? '');
  } catch {
    return null;
  }
}
