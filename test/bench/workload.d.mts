// Types for workload.mjs, so the TypeScript tests can import the benchmark's seed.
import type Database from 'better-sqlite3';
import type { PreparedReport } from '../../src/store/types.js';

export function seedReports(groups: number, occurrences: number, now?: number): Generator<PreparedReport>;
export function isSeededResolved(id: number): boolean;
export function bulkWrite(db: Database.Database, reports: Iterable<PreparedReport>, resolvedAt: string): { groups: number; projects: number };
export function seedDatabase(
  path: string,
  groups: number,
  occurrences: number,
): Promise<{ groups: number; occurrences: number; aProject: string; aSearch: string; aRareSearch: string; seconds: number }>;
export function corpus(): {
  smallReport(): string;
  largeReport(): string;
  envelope(): string;
  sentryProject(url: string, apiKey: string): Promise<{ dsnKey: string; projectId: number }>;
};
