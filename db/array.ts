/**
 * A PostgreSQL array literal (null for NULL), sent as ONE text parameter and cast in SQL
 * (`${pgArray(ids)}::uuid[]`): drizzle's template spreads a JS array into a list of parameters
 * (65,535 at most), and parsing an array literal is ~4 times faster than jsonb for 150,000 rows.
 */
export function pgArray(values: readonly (string | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;
}
