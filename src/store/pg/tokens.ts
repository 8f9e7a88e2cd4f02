// API tokens on PostgreSQL (migration 011): only a SHA-256 of each token is stored; a presented token is found by its digest.
import { randomBytes } from 'node:crypto';
import { TOKEN_PREFIX, tokenDigest } from '../sqlite/tokens.js';
import type { ApiToken, TokenKind, TokenStore } from '../types.js';
import type { Pool } from './pool.js';

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
const LAST_USED_RESOLUTION_MS = 60_000;

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

export function createPgTokenStore(pool: Pool, { now = () => new Date() }: { now?: () => Date } = {}): TokenStore {
  const lastTouched = new Map<number, number>();
  return {
    async createToken({ kind, name, projects, scopes }) {
      const token = TOKEN_PREFIX[kind] + randomBytes(32).toString('base64url');
      const { rows } = await pool.query<TokenRow>(
        `INSERT INTO api_tokens (kind, name, token_hash, prefix, projects, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [kind, name, tokenDigest(token), token.slice(0, TOKEN_PREFIX[kind].length + 4), projects === null ? null : JSON.stringify(projects), JSON.stringify(scopes), now().toISOString()],
      );
      return { token, record: toToken(rows[0]!) };
    },
    async listTokens(kind) {
      const { rows } = kind
        ? await pool.query<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens WHERE kind = $1 ORDER BY id DESC`, [kind])
        : await pool.query<TokenRow>(`SELECT ${COLUMNS} FROM api_tokens ORDER BY id DESC`);
      return rows.map(toToken);
    },
    async revokeToken(id) {
      lastTouched.delete(id);
      const r = await pool.query('UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now().toISOString(), id]);
      return (r.rowCount ?? 0) > 0;
    },
    async findToken(presented) {
      if (typeof presented !== 'string' || presented.length > 200) return null;
      const { rows } = await pool.query<TokenRow>({ name: 'k_find', text: `SELECT ${COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL`, values: [tokenDigest(presented)] });
      const row = rows[0];
      if (!row) return null;
      const at = now();
      if (at.getTime() - (lastTouched.get(row.id) ?? 0) >= LAST_USED_RESOLUTION_MS) {
        lastTouched.set(row.id, at.getTime());
        await pool.query('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [at.toISOString(), row.id]);
        row.last_used_at = at.toISOString();
      }
      return toToken(row);
    },
  };
}
