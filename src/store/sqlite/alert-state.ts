// The SQLite side of the alert throttle's memory (migration 002): loaded at start, saved after decisions.
import type { Db } from './open-database.js';
import type { AlertKind, AlertStateStore, AlertThrottleState, HeldSample } from '../types.js';

interface HeldRow {
  new_count: number;
  regression_count: number;
  spike_count: number;
  impact_count: number;
  since: string;
  due_at: string;
}

interface SampleRow {
  kind: AlertKind;
  group_id: number;
  project: string;
  exception_type: string;
  message: string;
  at: string;
}

export function createSqliteAlertStateStore(db: Db): AlertStateStore {
  const { load, save } = alertStateStatements(db);
  return {
    async loadAlertState() {
      return load();
    },
    async saveAlertState(state) {
      save(state);
    },
  };
}

/** Synchronous load and save, so the outbox can save the throttle in its own transactions. */
export function alertStateStatements(db: Db): { load: () => AlertThrottleState; save: (state: AlertThrottleState) => void } {
  const stmt = {
    cooldowns: db.prepare<[], { fingerprint: string; alerted_at: string }>('SELECT fingerprint, alerted_at FROM alert_cooldowns'),
    sends: db.prepare<[], { sent_at: string }>('SELECT sent_at FROM alert_sends ORDER BY sent_at, id'),
    held: db.prepare<[], HeldRow>('SELECT new_count, regression_count, spike_count, impact_count, since, due_at FROM alert_held WHERE id = 1'),
    samples: db.prepare<[], SampleRow>('SELECT kind, group_id, project, exception_type, message, at FROM alert_held_samples ORDER BY id'),
    clearCooldowns: db.prepare('DELETE FROM alert_cooldowns'),
    clearSends: db.prepare('DELETE FROM alert_sends'),
    clearHeld: db.prepare('DELETE FROM alert_held'),
    clearSamples: db.prepare('DELETE FROM alert_held_samples'),
    putCooldown: db.prepare('INSERT INTO alert_cooldowns (fingerprint, alerted_at) VALUES (?, ?)'),
    putSend: db.prepare('INSERT INTO alert_sends (sent_at) VALUES (?)'),
    putHeld: db.prepare('INSERT INTO alert_held (id, new_count, regression_count, spike_count, impact_count, since, due_at) VALUES (1, ?, ?, ?, ?, ?, ?)'),
    putSample: db.prepare(
      'INSERT INTO alert_held_samples (kind, group_id, project, exception_type, message, at) VALUES (@kind, @groupId, @project, @exceptionType, @message, @at)',
    ),
  };

  const save = db.transaction((state: AlertThrottleState) => {
    stmt.clearCooldowns.run();
    stmt.clearSends.run();
    stmt.clearHeld.run();
    stmt.clearSamples.run();
    for (const [fingerprint, at] of Object.entries(state.cooldowns)) stmt.putCooldown.run(fingerprint, at);
    for (const at of state.sentAt) stmt.putSend.run(at);
    if (state.held) {
      const h = state.held;
      stmt.putHeld.run(h.newCount, h.regressionCount, h.spikeCount ?? 0, h.impactCount ?? 0, h.since, h.dueAt);
      for (const s of h.samples) stmt.putSample.run(s);
    }
  });

  return {
    load() {
      const cooldowns: Record<string, string> = {};
      for (const r of stmt.cooldowns.all()) cooldowns[r.fingerprint] = r.alerted_at;
      const held = stmt.held.get();
      return {
        cooldowns,
        sentAt: stmt.sends.all().map((r) => r.sent_at),
        held: held
          ? {
              newCount: held.new_count,
              regressionCount: held.regression_count,
              ...(held.spike_count ? { spikeCount: held.spike_count } : {}),
              ...(held.impact_count ? { impactCount: held.impact_count } : {}),
              since: held.since,
              dueAt: held.due_at,
              samples: stmt.samples.all().map(toSample),
            }
          : null,
      };
    },

    save,
  };
}

function toSample(r: SampleRow): HeldSample {
  return { kind: r.kind, groupId: r.group_id, project: r.project, exceptionType: r.exception_type, message: r.message, at: r.at };
}
