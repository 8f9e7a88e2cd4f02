// Retention: at start and then on an interval, deletes long-resolved groups and old hourly counts.
import type { Logger } from '../logger.js';
import { hourKey } from '../store/hour-key.js';
import type { ArtifactCleanupPolicy, ArtifactStore, CleanupResult, Store } from '../store/types.js';

/** The UI's trend and spike detection look back 14 days at most. */
export const HOURLY_COUNTS_KEPT_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RetentionDeps {
  store: Store;
  logger: Logger;
  /** 0 keeps resolved groups forever (hourly counts are still trimmed). */
  retentionDays: number;
  intervalHours: number;
  now: () => Date;
  /** Source-map bundles: deleted past retentionDays (0: never for age) unless among the project's keepReleases newest releases. */
  artifacts?: { store: ArtifactStore; retentionDays: number; keepReleases: number } | undefined;
}

export interface RetentionJob {
  /** Runs a cleanup now, or joins the one already running; never rejects. */
  runOnce(): Promise<CleanupResult | null>;
  /** Stops the timer, interrupts a running cleanup between two batches and waits for it. */
  stop(): Promise<void>;
}

/** What a cleanup at `now` deletes. */
export function retentionPolicy(now: Date, retentionDays: number): { resolvedBefore: string | null; hourlyCountsBefore: string } {
  const countsCutoff = new Date(now.getTime() - HOURLY_COUNTS_KEPT_DAYS * DAY_MS).toISOString();
  return {
    resolvedBefore: retentionDays > 0 ? new Date(now.getTime() - retentionDays * DAY_MS).toISOString() : null,
    // The cutoff hour itself is kept.
    hourlyCountsBefore: hourKey(countsCutoff),
  };
}

/** Chunks of an upload that never assembled (the CLI assembles within seconds of sending them). */
export const STALE_CHUNK_HOURS = 1;

/** What an artifact cleanup at `now` deletes. */
export function artifactPolicy(now: Date, retentionDays: number, keepReleases: number): Omit<ArtifactCleanupPolicy, 'signal'> {
  return {
    bundlesBefore: retentionDays > 0 ? new Date(now.getTime() - retentionDays * DAY_MS).toISOString() : null,
    keepReleases,
    chunksBefore: new Date(now.getTime() - STALE_CHUNK_HOURS * 3_600_000).toISOString(),
  };
}

export function startRetention({ store, logger, retentionDays, intervalHours, now, artifacts }: RetentionDeps): RetentionJob {
  const abort = new AbortController();
  let running: Promise<CleanupResult | null> | null = null;
  let timer: NodeJS.Timeout | undefined;

  async function run(): Promise<CleanupResult | null> {
    const started = Date.now();
    try {
      // Bundles first, so the store's cleanup gives their pages back to the file system too.
      if (artifacts) {
        const deleted = await artifacts.store.cleanupArtifacts({ ...artifactPolicy(now(), artifacts.retentionDays, artifacts.keepReleases), signal: abort.signal });
        logger.info({ ...deleted, retentionDays: artifacts.retentionDays, keepReleases: artifacts.keepReleases }, `retention cleanup deleted ${deleted.bundlesDeleted} source-map bundles`);
      }
      const result = await store.cleanup({ ...retentionPolicy(now(), retentionDays), signal: abort.signal });
      logger.info({ ...result, retentionDays, ms: Date.now() - started }, `retention cleanup deleted ${result.groupsDeleted} resolved groups`);
      return result;
    } catch (err) {
      // A full or read-only disk must not take the service down; the next run tries again.
      logger.error({ err }, 'retention cleanup failed');
      return null;
    }
  }

  function runOnce(): Promise<CleanupResult | null> {
    running ??= run().finally(() => {
      running = null;
    });
    return running;
  }

  function schedule(delayMs: number): void {
    if (abort.signal.aborted) return;
    timer = setTimeout(() => void runOnce().then(() => schedule(intervalHours * 60 * 60 * 1000)), delayMs);
    // The HTTP server keeps the process alive; a pending cleanup should not.
    timer.unref();
  }

  schedule(0);

  return {
    runOnce,
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
