// Mapping on read: a group's frames shown at their original location whenever a map exists now, whether or not it did at ingest.
import type { Frame } from '../ingest/stack/types.js';
import type { Occurrence } from '../store/types.js';
import { applyMappings, type MappedFrame } from './apply.js';
import type { Symbolicator } from './symbolicator.js';

/**
 * The stored traceback stays as sent (the group keeps the fingerprint it was given: no regrouping);
 * its frames are mapped with the maps known now, found by the debug IDs the occurrences named
 * (newest first) or by URL.
 */
export async function mapStoredFrames(symbolicator: Symbolicator | undefined, project: string, frames: Frame[], occurrences: readonly Occurrence[]): Promise<MappedFrame[]> {
  if (!symbolicator || frames.length === 0) return frames;
  const debugIds = new Map<string, string>();
  for (const o of occurrences) {
    for (const image of o.details?.debug_images ?? []) if (!debugIds.has(image.code_file)) debugIds.set(image.code_file, image.debug_id);
  }
  return applyMappings(frames, await symbolicator.mapFrames(project, frames, debugIds));
}
