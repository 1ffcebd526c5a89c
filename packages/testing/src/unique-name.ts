import { randomUUID } from "node:crypto";

/**
 * A repository name no other test of this run uses: `<prefix>/<label>-<random>`. Every test file of a run
 * shares the same registries, so a test that depends on what a repository holds names its own.
 *
 * @example
 * const repository = uniqueName("team", "client"); // "team/client-1f3a9c0e"
 */
export function uniqueName(prefix: string, label = "app"): string {
  return `${prefix}/${label}-${randomUUID().slice(0, 8)}`;
}
