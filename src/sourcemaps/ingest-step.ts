// The async step of the ingest pipeline between parsing and grouping: frames mapped to their original source, the crash frame picked among them.
import type { ParsedReport } from '../ingest/pipeline.js';
import { pickCrashFrame } from '../ingest/stack/parse.js';
import type { Frame } from '../ingest/stack/types.js';
import { applyMappings, generatedFrame } from './apply.js';
import type { Symbolicator } from './symbolicator.js';

export type MapReport = (parsed: ParsedReport, debugIds?: ReadonlyMap<string, string>) => Promise<ParsedReport>;

/**
 * The report with its crash frame at the original location when a map covers it; the report as it
 * came when none of its frames could be mapped (its grouping is then exactly what it was without
 * maps). Message events keep their grouping by template: only the shown frames would change.
 */
export function createMapStep(symbolicator: Symbolicator): MapReport {
  return async (parsed, debugIds) => {
    const frames = parsed.stack.frames;
    if (frames.length === 0 || parsed.grouping?.messageTemplate !== undefined) return parsed;
    // Grouping needs the position only; the source around it is read when the page is.
    const mappings = await symbolicator.mapFrames(parsed.input.project, frames, debugIds, { context: false });
    if (!mappings.some((m) => m?.status === 'mapped')) return parsed;
    const mapped = applyMappings(frames, mappings);
    const crash = pickCrashFrame(mapped);
    const from = crash ? generatedFrame(crash) : undefined;
    return { ...parsed, grouping: { ...parsed.grouping, crash: crash && plainFrame(crash), ...(from ? { mappedFrom: from } : {}) } };
  };
}

function plainFrame(f: Frame): Frame {
  return { file: f.file, line: f.line, column: f.column, function: f.function, inApp: f.inApp };
}
