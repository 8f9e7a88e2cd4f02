// The event beyond the spec's columns, as stored per occurrence and served by the API (snake_case, like the API).
import type { DebugImage } from '../../sourcemaps/debug-ids.js';

export interface EventUser {
  id?: string;
  email?: string;
  username?: string;
  ip_address?: string;
  /** Everything else the client said about the user (segment, name, geo, data...). */
  data?: Record<string, unknown>;
}

export interface Breadcrumb {
  /** ISO 8601 UTC, or stored as the SDK's float seconds (the API always answers ISO 8601). */
  timestamp?: string | number;
  type?: string;
  category?: string;
  level?: string;
  message?: string;
  data?: Record<string, unknown>;
}

export interface EventFrameDetails {
  filename?: string;
  abs_path?: string;
  function?: string;
  module?: string;
  lineno?: number;
  colno?: number;
  in_app?: boolean;
  context_line?: string;
  pre_context?: string[];
  post_context?: string[];
}

export interface EventException {
  type?: string;
  value?: string;
  module?: string;
  mechanism?: Record<string, unknown>;
  /** Outermost first, the crash site last (Sentry's order). */
  frames?: EventFrameDetails[];
  /** How many frames in the middle of a very deep stack were left out. */
  frames_omitted?: number;
}

/** The request beyond url, method and headers (those keep their own columns). */
export interface EventRequest {
  query_string?: unknown;
  data?: unknown;
  cookies?: unknown;
}

/** Every field optional: an occurrence stores only what its client sent. */
export interface EventDetails {
  level?: string;
  logger?: string;
  server_name?: string;
  platform?: string;
  sdk?: { name?: string; version?: string };
  user?: EventUser;
  /** In the order sent; keys unique. */
  tags?: Record<string, string>;
  /** The last ones, oldest first. */
  breadcrumbs?: Breadcrumb[];
  contexts?: Record<string, unknown>;
  request?: EventRequest;
  /** The whole chain, causes first and the captured exception last (Sentry's order). */
  exceptions?: EventException[];
  /** debug_meta's source-map images of the frames' files: mapping on read finds their maps by debug ID. */
  debug_images?: DebugImage[];
}
