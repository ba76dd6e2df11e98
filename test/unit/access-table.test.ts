import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { accessTableMarkdown, SECURITY_DOC, withTable } from '../../src/cli/access-table';
import { POLICY } from '../../src/core/access';

describe('the access table in docs/security.md', () => {
  it('is the one generated from the policy code (run `npm run admin -- access:table --write` after changing it)', () => {
    const doc = fs.readFileSync(SECURITY_DOC, 'utf8');
    expect(withTable(doc)).toBe(doc);
  });

  it('shows every rule of the policy', () => {
    const table = accessTableMarkdown();
    for (const rule of POLICY) for (const action of rule.actions) expect(table).toContain(`| ${rule.resource}.${action} |`);
  });
});
