import type { Scope } from "@stevedore/core";

/**
 * Formats a scope the way token services expect it (`spec/PROTOCOL.md` §11.4): `type:name:action,action`.
 *
 * @example
 * formatScope({ type: "repository", name: "team/app", actions: ["pull", "push"] }); // "repository:team/app:pull,push"
 */
export function formatScope(scope: Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(",")}`;
}
