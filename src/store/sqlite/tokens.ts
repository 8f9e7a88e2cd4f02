// API tokens (migration 011): only a SHA-256 of each token is stored; a presented token is found by its digest.
import { createHash, randomBytes } from 'node:crypto';
import type { ApiToken, TokenKind, TokenStore } from '../types.js';
import type { Db } from './open-database.js';

/**
 * What a token starts with, by kind: readable in a config file, and never an ingest key's 32 hex
 * characters. Upload tokens are shaped as Sentry user tokens ('sntryu_' and 64 hex digits), the one
 * format sentry-cli 3.x recognises that embeds nothing: any other format makes every CLI run warn
 * "Unrecognized auth token format" (src/utils/value_parsers.rs, auth_token_parser), and the CLI
 * redacts only recognised tokens where they appear in its logged command line
 * (src/utils/auth_token/redacting.rs). Its other format, org tokens ('sntrys_'), embeds a URL and
 * org that would override --url and --org (src/config.rs), so it is not used.
 */
export const TOKEN_PREFIX: Record<TokenKind, string> = { upload: 'sntryu_', agent: 'eta_' };

/** The random part: 32 bytes, as hex for upload tokens (what sentry-cli's check wants), base64url otherwise. */
const secretPart = (kind: TokenKind) => randomBytes(32).toString(kind === 'upload' ? 'hex' : 'base64url');

/** A token is its prefix and 32 random bytes: guessing one is hopeless, so a fast digest is enough. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

interface TokenRow {
  id: number;
  kind: TokenKind;
  name: string;
  prefix: string;
  projects: string | null;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const COLUMNS = 'id, kind, name, prefix, projects, scopes, created_at, last_used_at, revoked_at';

function toToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    prefix: row.prefix,
    projects: row.projects === null ? null : (JSON.parse(row.projects) as string[]),
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** last_used_at is written at most once a minute per token: a busy CI job must not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function createSqliteTokenStore(db: Db, { now = () => new Date() }: { now?: () => Date } = {}): TokenStore {
  const stmt = {
    insert: db.prepare<[string, string, string, string, string | null, string, string], TokenRow>(`
      INSERT INTO api_tokens (kind, name, token_hash, prefix, projects, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      RETURNING ${COLUMNS}`),
    all: db.prepare<[], TokenRow>(`SELECT ${COLUMNS} FROM api_tokens ORDER BY id DESC`),
    ofKind: db.prepare<[string], TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE kind = ? ORDER BY id DESC`),
    revoke: db.prepare<[string, number]>('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    byHash: db.prepare<[string], TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL`),
    touch: db.prepare<[string, number]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
  };
  const lastTouched = new Map<number, number>();

  return {
    async createToken({ kind, name, projects, scopes }) {
      const token = TOKEN_PREFIX[kind] + secretPart(kind);
      const row = stmt.insert.get(kind, name, tokenDigest(token), token.slice(0, TOKEN_PREFIX[kind].length + 4), projects === null ? null : JSON.stringify(projects), JSON.stringify(scopes), now().toISOString())!;
      return { token, record: toToken(row) };
    },

    async listTokens(kind) {
      return (kind ? stmt.ofKind.all(kind) : stmt.all.all()).map(toToken);
    },

    async revokeToken(id) {
      lastTouched.delete(id);
      return stmt.revoke.run(now().toISOString(), id).changes > 0;
    },

    async findToken(presented) {
      if (typeof presented !== 'string' || presented.length > 200) return null;
      const row = stmt.byHash.get(tokenDigest(presented));
      if (!row) return null;
      const at = now();
      if (at.getTime() - (lastTouched.get(row.id) ?? 0) >= LAST_USED_RESOLUTION_MS) {
        lastTouched.set(row.id, at.getTime());
        stmt.touch.run(at.toISOString(), row.id);
        row.last_used_at = at.toISOString();
      }
      return toToken(row);
    },
  };
}
