// Releases, deploys and API tokens (migration 011): their records and stores.

/** A release of a project: created through the release API (sentry-cli, bundler plugins) or first seen on an event. */
export interface ReleaseRecord {
  project: string;
  version: string;
  /** ISO 8601 UTC. */
  createdAt: string;
  createdBy: 'api' | 'event';
  finalizedAt: string | null;
}

export interface DeployRecord {
  id: number;
  project: string;
  version: string;
  environment: string;
  name: string | null;
  url: string | null;
  startedAt: string | null;
  finishedAt: string;
}

/** Releases and deploys (migration 011), next to Store and on the same database. */
export interface ReleaseStore {
  /**
   * Creates the release if it is new (createdBy 'api' wins over an earlier 'event' record, taking its
   * createdAt when given), and sets finalizedAt when given; returns the record as stored.
   */
  recordRelease(input: { project: string; version: string; createdAt?: string; createdBy: 'api' | 'event'; finalizedAt?: string | null }): Promise<ReleaseRecord>;
  getRelease(project: string, version: string): Promise<ReleaseRecord | null>;
  /** Records a deploy, creating its release if it is new. */
  addDeploy(input: Omit<DeployRecord, 'id'>): Promise<DeployRecord>;
  listDeploys(project: string, version: string): Promise<DeployRecord[]>;
  /** Newest first: by createdAt. */
  listReleaseRecords(project: string, limit: number): Promise<ReleaseRecord[]>;
  /** Every project's record of this version (the release API names a release without its project). */
  findReleases(version: string): Promise<ReleaseRecord[]>;
  /** Sets finalizedAt of an existing release; null when there is no such release. */
  finalizeRelease(project: string, version: string, finalizedAt: string): Promise<ReleaseRecord | null>;
}

export type TokenKind = 'upload' | 'agent';

/** A token other than the operator key, as stored (the token itself is never stored, only its SHA-256). */
export interface ApiToken {
  id: number;
  kind: TokenKind;
  name: string;
  /** The first characters of the token, to tell tokens apart in a list. */
  prefix: string;
  /** The projects it may act on; null for all. */
  projects: string[] | null;
  /** Upload: ['upload']; agent: ['read'] or ['read', 'triage']. */
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** API tokens (migration 011), next to Store and on the same database. */
export interface TokenStore {
  /** Returns the record and the token itself, which is shown once and never again. */
  createToken(input: { kind: TokenKind; name: string; projects: string[] | null; scopes: string[] }): Promise<{ token: string; record: ApiToken }>;
  /** Revoked tokens included, newest first. */
  listTokens(kind?: TokenKind): Promise<ApiToken[]>;
  /** False when there is no such token or it was revoked already. */
  revokeToken(id: number): Promise<boolean>;
  /** The live (not revoked) token a presented string is, or null; records when it was last used. */
  findToken(presented: string): Promise<ApiToken | null>;
}
