/**
 * Every reason the bot gives a user for refusing (a closed list: a new refusal adds its code
 * here, so that logs and metrics can be read against it). The user sees the Japanese message.
 */
const USER_ERROR_CODES = [
  'already_cancelled',
  'already_done',
  'ambiguous_person',
  'bad_code',
  'bad_date',
  'bad_days',
  'bad_fiscal_year',
  'bad_kind',
  'bad_link_code',
  'bad_month',
  'bad_period',
  'bad_roles',
  'bad_time',
  'cancelled_meeting',
  'csv_binary',
  'csv_encoding',
  'csv_is_xlsx',
  'csv_utf16',
  'duplicate',
  'empty_query',
  'fiscal_year_out_of_range',
  'forbidden',
  'future_date',
  'future_meeting',
  'invalid_action_items',
  'invalid_form',
  'invalid_minutes',
  'minutes_exist',
  'monitoring_count_from_required',
  'monitoring_period_reversed',
  'monitoring_rule_invalid',
  'monitoring_rule_missing',
  'no_change',
  'no_unei_meeting',
  'not_unei',
  'not_writable',
  'not_yet',
  'nothing_to_confirm',
  'past_due',
  'person_name_in_text',
  'person_not_allowed',
  'person_required',
  'place_too_long',
  'query_too_long',
  'reason_required',
  'reason_too_long',
  'refused',
  'segment_order',
  'title_too_long',
  'too_many_link_attempts',
  'undo_expired',
  'unknown_action',
  'unknown_action_item',
  'unknown_alert',
  'unknown_attendee',
  'unknown_consultation',
  'unknown_form',
  'unknown_issue',
  'unknown_meeting',
  'unknown_office',
  'unknown_person',
  'unknown_plan',
  'unknown_reminder',
  'unknown_secondary',
  'unknown_staff',
  'unknown_subcommand',
  'unknown_target',
  'unknown_tenant',
  'wrong_state',
] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

/**
 * An error the user caused (bad date, unknown case, not allowed). It carries a polite Japanese
 * message for the user and an English one for the log; neither may contain personal data.
 */
export class UserError extends Error {
  readonly code: UserErrorCode;
  readonly userMessage: string;
  /** Field name → Japanese message, for forms. */
  readonly fieldErrors?: Record<string, string>;

  constructor(code: UserErrorCode, userMessage: string, logMessage: string = code, fieldErrors?: Record<string, string>) {
    super(logMessage);
    this.name = 'UserError';
    this.code = code;
    this.userMessage = userMessage;
    this.fieldErrors = fieldErrors;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** Coerce anything thrown into an Error with a stable name, for logging at a boundary. */
export function asError(e: unknown): Error {
  if (e instanceof Error) return e;
  return new Error(typeof e === 'string' ? e : 'non-error thrown');
}
