/**
 * The scope text of token requests and challenges (`spec/PROTOCOL.md` §11.4): `type:name:action,action`.
 * One home for clients (auth) and the embedded server alike.
 */
import type { Scope } from "./contracts.js";
import { UsageError } from "./errors.js";

/**
 * Formats a scope the way token services expect it: `type:name:action,action`.
 *
 * @example
 * formatScope({ type: "repository", name: "team/app", actions: ["pull", "push"] }); // "repository:team/app:pull,push"
 */
export function formatScope(scope: Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(",")}`;
}

/**
 * Parses one resource scope (`repository:team/app:pull,push`, `registry:catalog:*`). The resource name may
 * hold a `:` (a registry port), so the type ends at the first `:` and the actions start after the last one.
 *
 * @throws UsageError when the text has no type, name and actions.
 * @example
 * parseScope("repository:localhost:5000/app:pull,push");
 * // → { type: "repository", name: "localhost:5000/app", actions: ["pull", "push"] }
 */
export function parseScope(text: string): Scope {
  const scope = tryParseScope(text);
  if (scope === undefined) {
    throw new UsageError(`invalid scope ${JSON.stringify(text.slice(0, 200))}: expected type:name:actions`);
  }
  return scope;
}

/** Parses a space-separated scope list (a challenge's `scope` parameter), skipping entries that do not parse. */
export function parseScopeList(text: string): Scope[] {
  const scopes: Scope[] = [];
  for (const part of text.split(/[ \t]+/)) {
    const scope = tryParseScope(part);
    if (scope !== undefined) scopes.push(scope);
  }
  return scopes;
}

function tryParseScope(text: string): Scope | undefined {
  const first = text.indexOf(":");
  const last = text.lastIndexOf(":");
  if (first <= 0 || last === first || last === first + 1) return undefined;
  if (/[\s\x00-\x1f\x7f]/.test(text)) return undefined;
  const actions = text
    .slice(last + 1)
    .split(",")
    .filter((action) => action !== "");
  if (actions.length === 0) return undefined;
  return { type: text.slice(0, first), name: text.slice(first + 1, last), actions };
}
