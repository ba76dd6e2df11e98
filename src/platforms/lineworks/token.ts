/**
 * The LINE WORKS access token (service-account JWT grant). One token serves every instance: it
 * lives in `lineworks_tokens`, and a refresh happens under a PostgreSQL advisory lock, so N
 * instances (and N concurrent callers in one instance) cause one token request, not N.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { SignJWT } from 'jose';
import type { Db, DbOrTx } from '../../../db/client';
import { lineworksTokens } from '../../../db/schema/index';
import { log } from '../../log';

export interface TokenSettings {
  clientId: string;
  clientSecret: string;
  serviceAccount: string;
  privateKey: string;
  authUrl: string;
}

export interface TokenOptions {
  /** `bot` covers sending messages and the persistent menu. */
  scope?: string;
  now?: () => Date;
  /**
   * Why 10 minutes: a token must outlive the longest send that starts with it (a digest batch
   * waiting for rate-limit room), so it is replaced well before it ends.
   */
  refreshMarginMs?: number;
}

/** The token endpoint refused our credentials or key: an operator must fix the configuration. */
export class LineWorksAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineWorksAuthError';
  }
}

/** Why 1 hour: the platform accepts a JWT whose exp is at most 60 minutes after iat. */
const JWT_LIFETIME_S = 60 * 60;

export class TokenClient {
  private readonly key: string;
  private readonly scope: string;
  private readonly margin: number;
  private readonly now: () => Date;
  private cached: { token: string; expiresAt: Date } | null = null;
  private inflight: Promise<string> | null = null;
  private signingKey: KeyObject | null = null;

  constructor(
    private readonly db: Db,
    private readonly settings: TokenSettings,
    opts: TokenOptions = {},
  ) {
    this.scope = opts.scope ?? 'bot';
    this.key = `${settings.clientId}:${this.scope}`;
    this.margin = opts.refreshMarginMs ?? 10 * 60 * 1000;
    this.now = opts.now ?? (() => new Date());
  }

  private fresh(expiresAt: Date): boolean {
    return expiresAt.getTime() - this.margin > this.now().getTime();
  }

  /** A valid access token: from memory, from the shared table, or freshly issued. */
  async getToken(): Promise<string> {
    if (this.cached && this.fresh(this.cached.expiresAt)) return this.cached.token;
    this.inflight ??= this.loadOrRefresh().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  /**
   * After a 401/403 with this token: forget it, here and in the shared table (only if no other
   * instance replaced it meanwhile), so the next getToken issues a new one.
   */
  async invalidate(token: string): Promise<void> {
    if (this.cached?.token === token) this.cached = null;
    await this.db.delete(lineworksTokens).where(sql`${lineworksTokens.key} = ${this.key} and ${lineworksTokens.accessToken} = ${token}`);
  }

  private async loadOrRefresh(): Promise<string> {
    const row = await this.read(this.db);
    if (row && this.fresh(row.expiresAt)) {
      this.cached = { token: row.accessToken, expiresAt: row.expiresAt };
      return row.accessToken;
    }
    const got = await this.db.transaction(async (tx) => {
      // One refresher per token across all instances; the others wait here, then read its result.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`lineworks-token:${this.key}`}))`);
      const again = await this.read(tx);
      if (again && this.fresh(again.expiresAt)) return { token: again.accessToken, expiresAt: again.expiresAt };
      const issued = await this.issue();
      await tx
        .insert(lineworksTokens)
        .values({ key: this.key, accessToken: issued.token, expiresAt: issued.expiresAt, updatedAt: this.now() })
        .onConflictDoUpdate({
          target: lineworksTokens.key,
          set: { accessToken: issued.token, expiresAt: issued.expiresAt, updatedAt: this.now() },
        });
      return issued;
    });
    this.cached = got;
    return got.token;
  }

  private async read(db: DbOrTx) {
    const [row] = await db.select().from(lineworksTokens).where(eq(lineworksTokens.key, this.key));
    return row ?? null;
  }

  private signingKeyObject(): KeyObject {
    if (this.signingKey) return this.signingKey;
    try {
      // createPrivateKey reads PKCS#8 ("BEGIN PRIVATE KEY") and PKCS#1 ("BEGIN RSA PRIVATE KEY").
      this.signingKey = createPrivateKey(this.settings.privateKey);
    } catch {
      throw new LineWorksAuthError(
        'LINEWORKS_PRIVATE_KEY is not a readable RSA private key (PEM); download it again from the Developer Console',
      );
    }
    return this.signingKey;
  }

  /** Signs the service-account JWT (RS256) and exchanges it for an access token. */
  private async issue(): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(this.now().getTime() / 1000);
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(this.settings.clientId)
      .setSubject(this.settings.serviceAccount)
      .setIssuedAt(iat)
      .setExpirationTime(iat + JWT_LIFETIME_S)
      .sign(this.signingKeyObject());
    const form = new URLSearchParams({
      assertion,
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: this.settings.clientId,
      client_secret: this.settings.clientSecret,
      scope: this.scope,
    });
    let res: Response;
    try {
      res = await fetch(this.settings.authUrl, {
        method: 'POST',
        body: form,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        // The refresh holds the advisory lock: never wait on a hung endpoint for long.
        signal: AbortSignal.timeout(15_000),
      });
    } catch (e) {
      throw new Error(`LINE WORKS token endpoint unreachable: ${(e as Error).message}`);
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || typeof body.access_token !== 'string') {
      const code = typeof body.error === 'string' ? body.error : 'no access_token';
      const detail = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
      const message = `LINE WORKS refused the token request (HTTP ${res.status} ${code}${detail}); check LINEWORKS_CLIENT_ID, LINEWORKS_CLIENT_SECRET, LINEWORKS_SERVICE_ACCOUNT and LINEWORKS_PRIVATE_KEY`;
      log.error({ status: res.status, code }, 'lineworks token request refused');
      if (res.status >= 500) throw new Error(message);
      throw new LineWorksAuthError(message);
    }
    // expires_in comes as a string of seconds ("86400").
    const seconds = Number(body.expires_in ?? 3600);
    const expiresAt = new Date(this.now().getTime() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000);
    log.info({ scope: this.scope, expiresAt: expiresAt.toISOString() }, 'lineworks token issued');
    return { token: body.access_token, expiresAt };
  }
}
