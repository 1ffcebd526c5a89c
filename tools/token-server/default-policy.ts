import type { Scope } from "./scope.ts";

/** Decides which actions an account may take on a resource; the token server grants the intersection. */
export type TokenPolicy = (account: string | undefined, scope: Scope) => string[];

/** The users every test registry knows, with their passwords (test-only secrets). */
export const defaultUsers: Readonly<Record<string, string>> = Object.freeze({
  alice: "alice-password",
  reader: "reader-password",
});

/**
 * The policy of the test token server:
 * - `alice` may pull, push and delete `team/*` and `public/*`, and list the catalog (`registry:catalog:*`);
 * - `reader` may pull `team/*`;
 * - everyone, anonymous included, may pull `public/*`;
 * - anything else is granted nothing (the token server still answers 200, with an empty `access`).
 *
 * @example
 * defaultPolicy("reader", { type: "repository", name: "team/app", actions: ["pull", "push"] }); // ["pull"]
 */
export const defaultPolicy: TokenPolicy = (account, scope) => {
  if (scope.type === "registry") {
    return account === "alice" && scope.name === "catalog" ? ["*"] : [];
  }
  if (scope.type !== "repository") return [];
  const isTeam = scope.name.startsWith("team/");
  const isPublic = scope.name.startsWith("public/");
  if (account === "alice" && (isTeam || isPublic)) return ["pull", "push", "delete"];
  if (account === "reader" && isTeam) return ["pull"];
  if (isPublic) return ["pull"];
  return [];
};
