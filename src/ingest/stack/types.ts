// Shapes shared by the stack-trace parsers and everything that consumes parsed frames.

export type StackFormat = 'python' | 'v8' | 'firefox' | 'safari' | 'unknown';

export interface Frame {
  /** Path or URL exactly as the trace wrote it, with a URL's query string and fragment removed. */
  file: string;
  line: number | null;
  column: number | null;
  /** Function name as the engine printed it ('' when none). */
  function: string;
  /** False for library, runtime and native frames (DESIGN.md, "In-app excludes"). */
  inApp: boolean;
}

export interface ParsedStack {
  format: StackFormat;
  /** Innermost (crash site) first, whatever order the engine printed them in. */
  frames: Frame[];
}
