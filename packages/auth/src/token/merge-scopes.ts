import type { Scope } from "@stevedore/core";

/**
 * Merges scope lists into one normalised set: one entry per resource (`type` + `name`) with the union of its
 * actions, actions sorted and deduplicated, resources sorted, resources without actions dropped. Two requests
 * that need the same access therefore produce the same list, which is what the token cache keys on, and a push
 * that mounts from another repository asks for both in one token (`spec/PROTOCOL.md` §11.4).
 *
 * @example
 * mergeScopes([{ type: "repository", name: "a", actions: ["push", "pull"] }], [{ type: "repository", name: "a", actions: ["pull"] }]);
 * // → [{ type: "repository", name: "a", actions: ["pull", "push"] }]
 */
export function mergeScopes(...lists: readonly (readonly Scope[])[]): Scope[] {
  const byResource = new Map<string, { type: string; name: string; actions: Set<string> }>();
  for (const list of lists) {
    for (const scope of list) {
      const key = `${scope.type}\n${scope.name}`;
      let entry = byResource.get(key);
      if (entry === undefined) {
        entry = { type: scope.type, name: scope.name, actions: new Set() };
        byResource.set(key, entry);
      }
      for (const action of scope.actions) if (action !== "") entry.actions.add(action);
    }
  }
  return [...byResource.entries()]
    .filter(([, entry]) => entry.actions.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, entry]) => ({ type: entry.type, name: entry.name, actions: [...entry.actions].sort() }));
}
