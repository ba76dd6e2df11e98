/**
 * An error the user caused (bad date, unknown case, not allowed). It carries a polite Japanese
 * message for the user and an English one for the log; neither may contain personal data.
 */
export class UserError extends Error {
  readonly code: string;
  readonly userMessage: string;
  /** Field name → Japanese message, for forms. */
  readonly fieldErrors?: Record<string, string>;

  constructor(
    code: string,
    userMessage: string,
    logMessage: string = code,
    fieldErrors?: Record<string, string>,
  ) {
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
