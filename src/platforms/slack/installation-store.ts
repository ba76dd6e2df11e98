import type { Installation, InstallationQuery, InstallationStore } from '@slack/oauth';
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client';
import { slackInstallations } from '../../../db/schema/index';
import { seal, unseal } from './seal';

type AnyInstallation = Installation<'v1' | 'v2', boolean>;

function rowId(q: { teamId?: string; enterpriseId?: string; isEnterpriseInstall?: boolean }): string | null {
  return (q.isEnterpriseInstall ? q.enterpriseId : q.teamId) ?? null;
}

/**
 * Bolt's InstallationStore on PostgreSQL: every instance sees an install at once, and tokens
 * are encrypted at rest (only ids are in the clear).
 */
export class PgInstallationStore implements InstallationStore {
  constructor(
    private readonly db: Db,
    private readonly key: Buffer,
  ) {}

  async storeInstallation<AuthVersion extends 'v1' | 'v2'>(installation: Installation<AuthVersion, boolean>): Promise<void> {
    const id = rowId({
      teamId: installation.team?.id,
      enterpriseId: installation.enterprise?.id,
      isEnterpriseInstall: installation.isEnterpriseInstall,
    });
    if (!id) throw new Error('installation without a team or enterprise id');
    const row = {
      id,
      teamId: installation.team?.id ?? null,
      enterpriseId: installation.enterprise?.id ?? null,
      isEnterpriseInstall: installation.isEnterpriseInstall === true,
      sealed: seal(this.key, JSON.stringify(installation), id),
      updatedAt: new Date(),
    };
    await this.db.insert(slackInstallations).values(row).onConflictDoUpdate({ target: slackInstallations.id, set: row });
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<AnyInstallation> {
    // A workspace of an org-wide install is found through its enterprise row.
    const ids = [rowId(query), query.enterpriseId].filter((x): x is string => !!x);
    for (const id of ids) {
      const [row] = await this.db.select().from(slackInstallations).where(eq(slackInstallations.id, id));
      if (row) return JSON.parse(unseal(this.key, row.sealed, row.id)) as AnyInstallation;
    }
    throw new Error('no slack installation for this workspace');
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    const id = rowId(query);
    if (id) await this.db.delete(slackInstallations).where(eq(slackInstallations.id, id));
  }
}
