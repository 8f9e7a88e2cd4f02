// What copy-to-postgres copies: every table of SQLite's schema, in an order that satisfies PostgreSQL's foreign keys, or why it is left out.
import { decodeDetails } from '../store/occurrence-details.js';
import { pgText } from '../store/pg/text.js';

/**
 * Copied on their own, in this order (a referenced table before the ones referring to it), in
 * chunks of `chunk` rows by primary key. Columns are SQLite's own; each must exist in PostgreSQL.
 * A migration that adds a table adds a line here (the tool refuses a table it does not know); one
 * that adds a column needs nothing (columns are read from the schema).
 */
export const TABLES: Array<{ table: string; chunk?: number }> = [
  // 001-011: projects and keys, quotas, alert state, Sentry event ids, releases, tokens.
  { table: 'projects' },
  { table: 'project_quotas' },
  { table: 'dropped_events' },
  { table: 'alert_cooldowns' },
  { table: 'alert_sends' },
  { table: 'alert_held' },
  { table: 'alert_held_samples' },
  { table: 'sentry_events', chunk: 5000 },
  { table: 'releases' },
  { table: 'deploys' },
  { table: 'api_tokens' },
  // The groups with their occurrences, counts, tags and users (GROUP_TABLES), GROUPS_PER_CHUNK at a time.
  { table: 'errors' },
  // 012: project alert settings.
  { table: 'project_alert_rules' },
  { table: 'project_alert_channels' },
  // 013: source maps; a chunk or a map may weigh megabytes, so few per transaction.
  { table: 'upload_chunks', chunk: 8 },
  { table: 'artifact_bundles' },
  { table: 'artifact_maps', chunk: 20 },
  // 014: the alert outbox and its deliveries.
  { table: 'alert_outbox' },
  { table: 'alert_deliveries' },
  { table: 'alert_channel_results' },
];

/** Groups per chunk; each chunk carries its groups' rows of these tables along (they refer to errors). */
export const GROUPS_PER_CHUNK = 500;
export const GROUP_TABLES = ['error_tracebacks', 'error_occurrences', 'error_hourly_counts', 'error_tags', 'error_users'];

/** SQLite tables with nothing to copy, and why. */
export const NOT_COPIED: Record<string, string> = {
  errors_fts: 'the search index; PostgreSQL keeps its own (error_search, filled by a trigger)',
  error_group_counts: "derived; PostgreSQL's trigger counts the copied groups itself",
  artifact_generation: "a change counter for caches; the new database's starts afresh",
};

/** SQLite's own tables and the search index's shadow tables. */
export const isInternal = (table: string) => table.startsWith('sqlite_') || table.startsWith('errors_fts_');

/** Rows per INSERT statement: well under PostgreSQL's 65,535 parameters for the widest table. */
export const ROWS_PER_STATEMENT = 1000;

/** A SQLite value as PostgreSQL's column takes it: 0/1 as booleans, compressed occurrence details as JSON, text without U+0000. */
export function toPg(pgType: string, column: string, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (pgType === 'boolean') return v === 1 || v === true;
  if (column === 'details') return JSON.stringify(decodeDetails(v));
  return typeof v === 'string' ? pgText(v) : v;
}
