// The live feed's shapes: one group's coalesced change, and the bus that carries batches of them between instances.

/** What changed in one group since the last message (snake_case: it is sent to clients as is). */
export interface GroupChange {
  id: number;
  project: string;
  count: number;
  /** The newest occurrence's time among the reports coalesced into this change. */
  last_seen: string;
  /** The group was created in this interval. */
  new: boolean;
  /** A resolved group reopened by an occurrence in this interval. */
  regression: boolean;
  /** Distinct users, when the store counts them. */
  users?: number;
  /** The summary a list row needs, sent only for new groups and regressions (the others are in the list already). */
  exception_type?: string;
  message?: string;
  source?: string;
  file?: string;
  line?: number | null;
  first_seen?: string;
}

/** One coalesced message: the groups that changed, and whether more changed than it carries. */
export interface ChangeBatch {
  groups: GroupChange[];
  /** More groups changed than one message carries: clients re-read what they show. */
  more: boolean;
  /** When the batch was made (ISO 8601). */
  at: string;
}

/**
 * Carries coalesced batches from the instances that ingested to every instance's streams. In one
 * process it is a direct call (createLocalBus); with several instances on PostgreSQL it would be
 * NOTIFY on publish and LISTEN for subscribers: batches, not reports, so a notification costs one
 * round trip per interval however many reports arrive.
 */
export interface LiveBus {
  publish(batch: ChangeBatch): void;
  /** Returns the unsubscribe. */
  subscribe(onBatch: (batch: ChangeBatch) => void): () => void;
  close(): Promise<void>;
}

/** The in-process bus: publish hands the batch to each subscriber at once. */
export function createLocalBus(): LiveBus {
  const subscribers = new Set<(batch: ChangeBatch) => void>();
  return {
    publish(batch) {
      for (const s of subscribers) s(batch);
    },
    subscribe(onBatch) {
      subscribers.add(onBatch);
      return () => subscribers.delete(onBatch);
    },
    async close() {
      subscribers.clear();
    },
  };
}
