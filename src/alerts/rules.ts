// The alert rules, run inside the ingest transaction: new group, regression, spike and impact; what they raise goes to the outbox.
import type { AlertTrigger, IngestResult, OutboxDraft, PreparedReport } from '../store/types.js';
import type { AlertRule } from './channels/types.js';
import type { AlertPayload } from './payload.js';
import type { AlertRuleSettings, RuleSettingsSource } from './rule-settings.js';

const MINUTE_MS = 60_000;
const NONE: OutboxDraft[] = Object.freeze([]) as unknown as OutboxDraft[];
const HOUR_MS = 3_600_000;
/** Groups whose traffic the spike rule follows at most; beyond, idle ones are forgotten first. */
const SPIKE_GROUPS_MAX = 20_000;
/** Distinct users remembered over all groups for the impact rule at most (a few MB). */
const IMPACT_ENTRIES_MAX = 200_000;

export interface RuleTrigger extends AlertTrigger {
  /** The spike and impact alerts raised lately (from the outbox at start), so a restart does not raise them again within the cooldown. */
  remember(fired: Array<{ cooldownKey: string; createdAt: string }>): void;
  /** Called after a commit that raised alerts (the sender wakes up). */
  onRaised(listener: () => void): void;
}

interface SpikeWindow {
  minutes: number;
  /** Events per minute, a ring over the window. */
  buckets: number[];
  lastMinute: number;
  total: number;
  /** The usual hourly rate as last read, and when: a busy group over N but as busy as usual reads it once per USUAL_TTL_MS, not per commit. */
  usual?: { perHour: number; at: number };
}

const USUAL_TTL_MS = 10 * MINUTE_MS;

/**
 * In memory, per process: the spike windows and the impact rule's users of the last hour start empty
 * after a restart (a rule may then fire up to its window late, never twice: what fired lately is
 * read back from the outbox with `remember`).
 */
export function createRuleTrigger({ rules, cooldownMs, now }: { rules: RuleSettingsSource; cooldownMs: number; now: () => Date }): RuleTrigger {
  const spikes = new Map<number, SpikeWindow>();
  const users = new Map<number, Map<string, number>>();
  let userEntries = 0;
  /** Cooldown key -> when its rule last fired. */
  const fired = new Map<string, number>();
  const listeners: (() => void)[] = [];

  /** One open transaction's memory: what its rules fired (forgotten again if it rolls back), and whether to wake the sender once it commits. */
  interface Open {
    firedNow: Array<{ key: string; before: number | undefined; at: number }>;
    pendingWake: boolean;
  }

  function mayFire(tx: Open, key: string, t: number, settings: AlertRuleSettings): boolean {
    const cooldown = settings.cooldownMinutes !== null ? settings.cooldownMinutes * MINUTE_MS : cooldownMs;
    const last = fired.get(key);
    if (last !== undefined && t - last < Math.max(cooldown, 1)) return false;
    tx.firedNow.push({ key, before: last, at: t });
    fired.set(key, t);
    return true;
  }

  function spikeCount(groupId: number, k: number, t: number, minutes: number): number {
    const minute = Math.floor(t / MINUTE_MS);
    let w = spikes.get(groupId);
    if (!w || w.minutes !== minutes || minute - w.lastMinute >= minutes) {
      if (!w && spikes.size >= SPIKE_GROUPS_MAX) forgetIdleSpikes(minute);
      w = { minutes, buckets: new Array<number>(minutes).fill(0), lastMinute: minute, total: 0 };
      spikes.set(groupId, w);
    }
    // Minutes that passed since the last event leave the window.
    for (let m = w.lastMinute + 1; m <= minute; m++) {
      const i = m % minutes;
      w.total -= w.buckets[i]!;
      w.buckets[i] = 0;
    }
    if (minute > w.lastMinute) w.lastMinute = minute;
    w.buckets[minute % minutes]! += k;
    w.total += k;
    return w.total;
  }

  function usualRate(groupId: number, t: number, read: () => number): number {
    const w = spikes.get(groupId)!;
    if (!w.usual || t - w.usual.at >= USUAL_TTL_MS) w.usual = { perHour: read(), at: t };
    return w.usual.perHour;
  }

  function forgetIdleSpikes(minute: number): void {
    for (const [id, w] of spikes) if (minute - w.lastMinute >= w.minutes) spikes.delete(id);
    // Still full: the oldest followed make room.
    for (const id of spikes.keys()) {
      if (spikes.size < SPIKE_GROUPS_MAX) break;
      spikes.delete(id);
    }
  }

  /** Distinct users of the group in the last hour, remembering at most `cap` of them. */
  function impactCount(groupId: number, reports: PreparedReport[], t: number, cap: number): number {
    let seen = users.get(groupId);
    for (const r of reports) {
      const user = userKey(r);
      if (user === null) continue;
      if (!seen) {
        seen = new Map();
        users.set(groupId, seen);
      }
      // Re-inserted, so the map stays in order of last sight: the stale ones are at the front.
      if (seen.delete(user)) userEntries--;
      seen.set(user, t);
      userEntries++;
    }
    if (!seen) return 0;
    for (const [user, at] of seen) {
      if (at > t - HOUR_MS && seen.size <= cap) break;
      seen.delete(user);
      userEntries--;
    }
    if (userEntries > IMPACT_ENTRIES_MAX) {
      for (const [id, m] of users) {
        if (userEntries <= IMPACT_ENTRIES_MAX || id === groupId) break;
        userEntries -= m.size;
        users.delete(id);
      }
    }
    return seen.size;
  }

  function view(tx: Open): AlertTrigger {
    return {
      observe: (group) => observe(tx, group),
      committed() {
        tx.firedNow = [];
        if (tx.pendingWake) for (const l of listeners) l();
        tx.pendingWake = false;
      },
      rolledBack() {
        for (const { key, before, at } of tx.firedNow.reverse()) {
          // Another transaction's firing since stays.
          if (fired.get(key) !== at) continue;
          if (before === undefined) fired.delete(key);
          else fired.set(key, before);
        }
        tx.firedNow = [];
        tx.pendingWake = false;
      },
    };
  }

  function observe(tx: Open, { results, reports, usualPerHour, quiet }: Parameters<AlertTrigger['observe']>[0]): OutboxDraft[] {
    if (quiet) return NONE;
    const first = results[0]!;
    // A group woken within the batch (a resolved or ignored group's condition met) is a regression at that report.
    const regression = first.regression || results.some((r) => r.regression);
    const settings = rules.rulesFor(reports[0]!.project);
    // The common case on the write path: a known group, no traffic rule. Nothing allocated.
    if (!settings || (!first.created && !regression && !settings.spike && !settings.impact)) return NONE;
    const last = results[results.length - 1]!;
    const t = now().getTime();
    const out: OutboxDraft[] = [];
    const raise = (why: AlertRule, key: string, users: number | null) => {
      tx.pendingWake = true;
      out.push(draft(why, key, first, last, reports, users, t));
    };
    if (first.created && settings.newGroup) raise({ rule: 'new' }, first.fingerprint, null);
    else if (regression && settings.regression) raise({ rule: 'regression' }, first.fingerprint, null);
    if (settings.spike) {
      const { events, minutes, timesUsual } = settings.spike;
      const n = spikeCount(first.id, reports.length, t, minutes);
      const key = `${first.fingerprint}:spike`;
      if (n > events) {
        // The usual rate is read only now, when the count alone would fire.
        const usual = timesUsual !== null ? usualRate(first.id, t, usualPerHour) : null;
        const perHour = (n * 60) / minutes;
        if ((usual === null || perHour > timesUsual! * usual) && mayFire(tx, key, t, settings)) {
          raise({ rule: 'spike', events: n, minutes, ...(usual !== null ? { usualPerHour: Math.round(usual * 10) / 10 } : {}) }, key, null);
        }
      }
    }
    if (settings.impact) {
      const n = impactCount(first.id, reports, t, settings.impact.users);
      const key = `${first.fingerprint}:impact`;
      if (n >= settings.impact.users && mayFire(tx, key, t, settings)) raise({ rule: 'impact', users: n, minutes: 60 }, key, n);
    }
    return out;
  }

  return {
    // SQLite writes one transaction at a time: the trigger itself is that transaction's view.
    ...view({ firedNow: [], pendingWake: false }),
    fork: () => view({ firedNow: [], pendingWake: false }),
    wantsUsualRate: (project) => rules.rulesFor(project)?.spike?.timesUsual != null,

    remember(list) {
      for (const { cooldownKey, createdAt } of list) {
        const t = Date.parse(createdAt);
        if (!(t <= (fired.get(cooldownKey) ?? -Infinity))) fired.set(cooldownKey, t);
      }
    },

    onRaised(listener) {
      listeners.push(listener);
    },
  };

  function draft(why: AlertRule, key: string, first: IngestResult, last: IngestResult, reports: PreparedReport[], users: number | null, t: number): OutboxDraft {
    const r = reports[reports.length - 1]!;
    const payload: AlertPayload = {
      kind: why.rule as AlertPayload['kind'],
      why,
      groupId: first.id,
      fingerprint: first.fingerprint,
      project: r.project,
      exceptionType: r.exceptionType,
      message: r.message,
      file: r.file,
      line: r.line,
      function: r.function,
      source: r.source,
      count: last.count,
      firstSeen: first.created ? reports[0]!.timestamp : null,
      lastSeen: r.timestamp,
      release: r.release,
      environment: r.environment,
      requestMethod: r.requestMethod,
      requestUrl: r.requestUrl,
      users: users ?? (last as IngestResult & { users?: number }).users ?? null,
    };
    return { rule: payload.kind, groupId: first.id, project: r.project, cooldownKey: key, payload: JSON.stringify(payload), createdAt: new Date(t).toISOString() };
  }
}

/** Who the report is about: the SDK's user id, else its email, else the native report's user, else the address. */
function userKey(r: PreparedReport): string | null {
  const u = r.details?.user;
  return u?.id ?? u?.email ?? r.userId ?? u?.ip_address ?? null;
}
