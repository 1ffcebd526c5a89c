/** Where content lives: one repository of one registry. */
export interface RepositoryLocation {
  /** The registry as targets name it (`BlobMounter.registry`), e.g. `registry.example.com:5000`. */
  registry: string;
  /** The repository inside that registry, e.g. `team/app`. */
  repository: string;
}

/**
 * The registry and repository a target stands for, read from its `registry` and `repository` string
 * properties (remote and memory targets have both; layout directories and archives have neither). A copy
 * uses it to decide whether a blob can be mounted instead of uploaded (`spec/PROTOCOL.md` §4).
 *
 * @example
 * ```ts
 * locationOf(createMemoryTarget({ registry: "registry.test", repository: "team/app" }));
 * // { registry: "registry.test", repository: "team/app" }
 * ```
 */
export function locationOf(target: unknown): RepositoryLocation | undefined {
  if (typeof target !== "object" || target === null) return undefined;
  const { registry, repository } = target as { registry?: unknown; repository?: unknown };
  if (typeof registry !== "string" || registry.length === 0) return undefined;
  if (typeof repository !== "string" || repository.length === 0) return undefined;
  return { registry, repository };
}
