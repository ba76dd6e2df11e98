import { randomBytes } from 'node:crypto';

/**
 * The secret of this process when LINK_SECRET is unset: one-time links and link codes made with
 * it die with the process and are refused by any other instance (docs/operations.md: set
 * LINK_SECRET whenever more than one process runs, or codes are made from the command line).
 */
export const PROCESS_SECRET = randomBytes(32).toString('base64url');

/** LINK_SECRET when configured, else this process's own. */
export function serverSecret(configured: string | undefined): string {
  return configured ?? PROCESS_SECRET;
}
