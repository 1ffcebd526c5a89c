import { DockerHub } from "./docker-hub.js";
import type { Reference } from "./parse-reference.js";
import { looksLikeHost } from "./reference-grammar.js";

/** Options of {@link formatReference}. */
export interface FormatReferenceOptions {
  /**
   * Write Docker Hub names the way `docker` shows them: without `docker.io/`, and without `library/` for
   * official images (`spec/PROTOCOL.md` §15). `docker.io/` is kept where dropping it would change the
   * meaning, e.g. `docker.io/my.org/app` (the first component would be read as a registry).
   */
  familiar?: boolean;
}

/**
 * Writes a reference as `registry/repository[:tag][@digest]`. The result parses back to an equal
 * {@link Reference}.
 *
 * @example
 * formatReference(parseReference("ubuntu")); // "docker.io/library/ubuntu"
 * formatReference(parseReference("ubuntu:24.04"), { familiar: true }); // "ubuntu:24.04"
 */
export function formatReference(reference: Reference, options: FormatReferenceOptions = {}): string {
  let name = `${reference.registry}/${reference.repository}`;
  if (options.familiar && reference.registry === DockerHub.registry) {
    const prefix = `${DockerHub.officialNamespace}/`;
    const official = reference.repository.startsWith(prefix) ? reference.repository.slice(prefix.length) : "";
    if (official !== "" && !official.includes("/")) {
      name = official;
    } else {
      const slash = reference.repository.indexOf("/");
      const first = slash === -1 ? reference.repository : reference.repository.slice(0, slash);
      if (slash !== -1 && !looksLikeHost(first)) name = reference.repository;
    }
  }
  if (reference.tag !== undefined) name += `:${reference.tag}`;
  if (reference.digest !== undefined) name += `@${reference.digest}`;
  return name;
}
