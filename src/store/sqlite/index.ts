// The SQLite store: all its SQL lives in this folder; this file composes the parts behind the Store interface.
import type { Store } from '../types.js';
import { databaseMovedError, watchFileIdentity } from './file-identity.js';
import { createErrorReader } from './errors-read.js';
import { createGroupCommit } from './group-commit.js';
import { createListReader } from './list.js';
import type { Db } from './open-database.js';
import { refreshPlannerStatistics } from './planner-statistics.js';
import { createProjectStore } from './projects.js';
import { createRetention } from './retention.js';
import { createTagStore } from './tags.js';
import { createTriage } from './triage.js';
import { USERS_WRITE_EVERY_MS } from './triage-writes.js';
import { createBatchWriter } from './writes.js';

/** "ETRK": stamped on the file by the write probe, so `file` and backup tools can tell what it is. */
const APPLICATION_ID = 0x4554524b;

export interface SqliteStoreOptions {
  now?: () => Date;
}

export function createSqliteStore(db: Db, options: SqliteStoreOptions = {}): Store {
  const now = options.now ?? (() => new Date());
  const identity = db.memory ? null : watchFileIdentity(db.name);
  /**
   * Why a committed write is not in the file the next start will open (file-identity.ts), or null.
   * A removed -wal still holds the commits since the last checkpoint: copied into the file at once.
   */
  function fileMoved(): Error | null {
    const what = identity?.check() ?? null;
    if (what === null) return null;
    if (what === 'wal removed') {
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // the file itself may be gone too; the writes are refused all the same
      }
    }
    return databaseMovedError(what);
  }
  function throwIfMoved(): void {
    const moved = fileMoved();
    if (moved) throw moved;
  }
  // Before the statements are prepared, so that their plans use the statistics.
  refreshPlannerStatistics(db, 'open');

  const tagStore = createTagStore(db);
  // Projects known to exist, so the common case skips the INSERT; filled only after a commit.
  const knownProjects = new Set<string>();
  const writer = createBatchWriter(db, { now, tagStore, knownProjects });
  const groupCommit = createGroupCommit(writer.writeBatch, fileMoved);
  // Users sketches changed by a burst are written within seconds even when no report follows.
  const usersTimer = setInterval(() => {
    try {
      writer.writePending(false);
    } catch {
      // retried on the next tick or commit; a failing disk shows in the reports' own writes
    }
  }, USERS_WRITE_EVERY_MS);
  usersTimer.unref();
  const list = createListReader(db);
  const triage = createTriage(db, { now, throwIfMoved, cachedSketch: writer.cachedSketch });

  return {
    async ingest(report) {
      return (await groupCommit.enqueue(report))!;
    },

    ingestEvent(report, eventId) {
      return groupCommit.enqueue(report, eventId);
    },

    async listErrors(q) {
      const page = await list.listErrors(q);
      // The figure in memory is newer than the stored one for a few seconds (triage-writes.ts).
      for (const e of page.errors) e.users = writer.cachedSketch(e.id)?.count() ?? e.users;
      return page;
    },
    ...createErrorReader(db, { now, tagStore, throwIfMoved, usersOf: triage.usersOf }),
    triage: triage.triage,
    releaseActivity: triage.releaseActivity,
    ...createProjectStore(db, { now, knownProjects, throwIfMoved }),
    ...createRetention(db),

    async probeWrite() {
      // A committed write to the file header: needs the write lock, the WAL and an fsync, adds no rows.
      db.pragma(`application_id = ${APPLICATION_ID}`);
      throwIfMoved();
    },

    close() {
      // Whatever is queued was not acknowledged yet; write it before closing rather than drop it.
      groupCommit.drain();
      try {
        clearInterval(usersTimer);
        writer.writePending(true);
      } catch {
        // derived figures only (users); the reports themselves are written
      }
      try {
        // Leaves a single self-contained file behind (no -wal to carry along in a backup).
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // A read-only or vanished file cannot be checkpointed; closing still releases it.
      }
      db.close();
    },
  };
}
