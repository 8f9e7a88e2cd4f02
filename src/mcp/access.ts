// Who is calling /mcp and what they may do: read or also triage, and on which projects.
import { mayActOn, type Principal } from '../auth.js';

export interface McpCaller {
  /** For the security log: the token's name (never its value), or 'operator'. */
  name: string;
  tokenId: number | null;
  canTriage: boolean;
  /** The projects it may see; null for all. */
  projects: string[] | null;
  mayRead(project: string): boolean;
}

/** The operator key may do everything; an agent token reads, triages with the triage scope, on its projects. */
export function callerOf(principal: Principal): McpCaller {
  if (principal.kind === 'token') {
    const { token } = principal;
    return {
      name: token.name,
      tokenId: token.id,
      canTriage: token.scopes.includes('triage'),
      projects: token.projects,
      mayRead: (project) => mayActOn(principal, project),
    };
  }
  // An ingest principal never reaches /mcp (the route's access is 'agent'); refused here all the same.
  const operator = principal.kind === 'operator';
  return { name: operator ? 'operator' : 'ingest key', tokenId: null, canTriage: operator, projects: operator ? null : [], mayRead: () => operator };
}
