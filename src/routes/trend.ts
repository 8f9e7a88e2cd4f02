// The 24-hour trend of the list: hourly counts laid out as fixed buckets, oldest hour first.
import { hourKey } from '../store/hour-key.js';
import type { HourlyCount } from '../store/types.js';

export const TREND_HOURS = 24;
const HOUR_MS = 3_600_000;


/** The last `count` hours (UTC) ending with the one `now` falls in, oldest first. */
export function trendHours(now: Date, count = TREND_HOURS): string[] {
  const current = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return Array.from({ length: count }, (_, i) => hourKey(new Date(current - (count - 1 - i) * HOUR_MS).toISOString()));
}

/** One array of TREND_HOURS numbers per id; hours with no row count zero. */
export function buildTrends(ids: number[], counts: HourlyCount[], hours: string[]): Map<number, number[]> {
  const index = new Map(hours.map((h, i) => [h, i]));
  const trends = new Map(ids.map((id) => [id, new Array<number>(hours.length).fill(0)]));
  for (const c of counts) {
    const i = index.get(c.hour);
    const trend = trends.get(c.errorId);
    if (i !== undefined && trend) trend[i] = c.count;
  }
  return trends;
}
