// Source-map artifact bundles uploaded by sentry-cli (migration 013): what is stored and the store.

/** One source map taken out of an uploaded artifact bundle, keyed as mapping looks it up. */
export interface ArtifactMap {
  /** Lowercase UUID with dashes, or null when neither the map nor its minified file has one. */
  debugId: string | null;
  /** The minified file's manifest URL ('~/assets/app.min.js'), or null when no file names the map. */
  url: string | null;
  /** The path part of `url` ('/assets/app.min.js'), what byUrl matches on. */
  urlPath: string | null;
  map: string;
}

export interface NewArtifactBundle {
  /** Every project it is stored for (sentry-cli may name several). */
  projects: string[];
  /** SHA-1 of the bundle file. */
  checksum: string;
  bundleId: string | null;
  release: string | null;
  dist: string | null;
  files: number;
  maps: ArtifactMap[];
  /** The chunks it was assembled from, deleted in the same transaction. */
  chunks: string[];
}

export interface ArtifactUsage {
  bundles: number;
  /** Bytes of the maps kept. */
  bytes: number;
}

export interface ArtifactCleanupPolicy {
  /** Bundles uploaded before this ISO instant are deleted, unless kept by keepReleases; null: no age rule. */
  bundlesBefore: string | null;
  /** The bundles of each project's newest N releases are kept whatever their age (a bundle without a release counts as one); 0: none kept for it. */
  keepReleases: number;
  /** Chunks uploaded before this ISO instant and never assembled are deleted. */
  chunksBefore: string;
  signal?: AbortSignal;
}

/** Source-map uploads (migration 013): chunks waiting for assembly and the bundles made of them. */
export interface ArtifactStore {
  /** The checksums among these that are not stored as chunks. */
  missingChunks(checksums: string[]): Promise<string[]>;
  /** Stores a chunk whose checksum was verified; a chunk stored already is left as it is. */
  putChunks(chunks: Array<{ checksum: string; data: Buffer }>): Promise<void>;
  /** The chunks' bytes in the order asked, or null when one is missing. */
  readChunks(checksums: string[]): Promise<Buffer[] | null>;
  /** Deletes chunks (an assembly that failed: nothing of it is kept). */
  deleteChunks(checksums: string[]): Promise<void>;
  /** The projects among these that already hold a bundle with this checksum. */
  projectsWithBundle(checksum: string, projects: string[]): Promise<string[]>;
  /** Stores the bundle for each of its projects and uses its chunks up, in one transaction. */
  saveBundle(bundle: NewArtifactBundle): Promise<void>;
  /** Bundles and bytes per project, for the Projects page. */
  usage(): Promise<Map<string, ArtifactUsage>>;
  /** Retention: deletes in small transactions, letting other writes in between. */
  cleanupArtifacts(policy: ArtifactCleanupPolicy): Promise<{ bundlesDeleted: number; chunksDeleted: number }>;
}
