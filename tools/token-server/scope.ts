/**
 * One resource scope of a token request, `type:name:actions` (spec/PROTOCOL.md §11.4), for example
 * `repository:team/app:pull,push` or `registry:catalog:*`.
 */
export interface Scope {
  /** `repository` or `registry`; a deprecated class suffix such as `repository(plugin)` is dropped. */
  type: string;
  /** The resource name; it may contain a `:` (a registry host with a port). */
  name: string;
  /** The requested (or granted) actions, for example `["pull", "push"]` or `["*"]`. */
  actions: string[];
}

const typePattern = /^([a-z0-9]+)(?:\([a-z0-9]+\))?$/;
const actionPattern = /^(?:[a-z]*|\*)$/;

/**
 * Parses one resource scope. The type ends at the first `:` and the actions start after the last `:`,
 * because a resource name may hold a port (spec/PROTOCOL.md §11.4).
 *
 * @returns the scope, or `undefined` when the text is not a resource scope (such a scope is granted nothing).
 * @example
 * parseScope("repository:localhost:5000/team/app:pull,push");
 * // { type: "repository", name: "localhost:5000/team/app", actions: ["pull", "push"] }
 */
export function parseScope(text: string): Scope | undefined {
  const first = text.indexOf(":");
  const last = text.lastIndexOf(":");
  if (first <= 0 || last === first || last === text.length - 1) return undefined;
  const type = typePattern.exec(text.slice(0, first))?.[1];
  const name = text.slice(first + 1, last);
  const actions = text
    .slice(last + 1)
    .split(",")
    .filter((action) => action !== "");
  if (type === undefined || name === "" || !actions.every((action) => actionPattern.test(action))) {
    return undefined;
  }
  return { type, name, actions: [...new Set(actions)] };
}

/**
 * Splits scope parameters into single scopes: GET sends one `scope=` per scope, POST one space-separated
 * field, and some clients space-join scopes in GET too (spec/PROTOCOL.md §11.2, §11.3).
 */
export function splitScopes(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(" ")).filter((scope) => scope !== "");
}
