// Answers held until the disk has them: each batch of answers waits for a sync that started after it was committed.
export type Sync = (done: (err: Error | null) => void) => void;

/**
 * One sync at a time; answers committed while it runs wait for the next one, which then covers
 * them all (one fsync for many commits, as in PostgreSQL's group commit). A failed sync is thrown
 * from its callback: after one, the kernel may have dropped dirty pages, so no later answer could
 * be trusted and the caller's thread must die rather than acknowledge.
 */
export function createDurableAcks<T>(sync: Sync, deliver: (answers: T[]) => void): { committed(answers: T[]): void } {
  let waiting: T[] = [];
  let syncing = false;

  const next = (): void => {
    if (syncing || waiting.length === 0) return;
    syncing = true;
    const covered = waiting;
    waiting = [];
    sync((err) => {
      if (err) throw err;
      syncing = false;
      deliver(covered);
      next();
    });
  };

  return {
    committed(answers) {
      for (const a of answers) waiting.push(a);
      next();
    },
  };
}
