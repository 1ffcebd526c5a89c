import type { Digest } from "./digest.js";
import { DockerHub, dockerHubAliases } from "./docker-hub.js";
import { InvalidReferenceError, UsageError } from "./errors.js";
import { inputText } from "./input-text.js";
import { digestProblem } from "./parse-digest.js";
import { refuseReferenceCredentials } from "./reference-credentials.js";
import {
  looksLikeHost,
  nameTotalLengthMax,
  normalizeRegistryCase,
  registryProblem,
  repositoryProblem,
  tagProblem,
} from "./reference-grammar.js";

/** An image reference, normalised: `docker.io/library/ubuntu:24.04`, `localhost:5000/app@sha256:…`. */
export interface Reference {
  /**
   * The registry as users name it: `docker.io` for Docker Hub (send requests to `registryHost(registry)`),
   * otherwise `host[:port]`, lower-cased.
   */
  registry: string;
  /** The repository path, e.g. `library/ubuntu` or `team/app`. */
  repository: string;
  tag?: string;
  digest?: Digest;
}

/** Options of {@link parseReference}. */
export interface ParseReferenceOptions {
  /** The registry of names that do not start with one. Default `docker.io` (which adds `library/`). */
  defaultRegistry?: string;
  /** A tag to use when the input has neither tag nor digest. Not applied unless given (e.g. `latest`). */
  defaultTag?: string;
}

const allowedCharacters = /^[A-Za-z0-9._\-/:@[\]+=]*$/;

/**
 * Parses an image reference with Docker's rules (`spec/PROTOCOL.md` §2, §15):
 *
 * - The first `/`-separated component is the registry when it contains `.` or `:`, is `localhost`, or has an
 *   upper-case letter; otherwise the name is on Docker Hub (`docker.io`), and a single-component Hub name gets
 *   `library/` (`ubuntu` → `docker.io/library/ubuntu`). `index.docker.io` and `registry-1.docker.io` become
 *   `docker.io`.
 * - Registry hosts are case-insensitive, so they are lower-cased: `Registry.Example.com/app` and
 *   `registry.example.com/app` give equal references. The exception is a single-label host recognised only
 *   by its upper-case letters (`MyHost/app`): it keeps its case, because `myhost/app` is a Hub repository.
 * - Repositories must be lower-case; tags are `[\w][\w.-]{0,127}`; a tag and a digest may both be given;
 *   `registry/repository` is at most 255 characters; a bare 64-hex string (an image ID) is not a name.
 *
 * No tag is added unless `options.defaultTag` is given. User info (`alice:S3cret@host/app`) is refused
 * without echoing it: the error's input has it replaced by `REDACTED`.
 *
 * @throws InvalidReferenceError with a message naming what is wrong.
 * @throws UsageError when an option is not a valid registry or tag.
 * @example
 * parseReference("ubuntu:24.04");
 * // { registry: "docker.io", repository: "library/ubuntu", tag: "24.04" }
 * parseReference("localhost:5000/team/app@sha256:…");
 * // { registry: "localhost:5000", repository: "team/app", digest: "sha256:…" }
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): Reference {
  if (typeof input !== "string") {
    throw new InvalidReferenceError(inputText(input), `expected a string, got ${typeof input}`);
  }
  refuseReferenceCredentials(input);
  const fail = (reason: string): InvalidReferenceError => new InvalidReferenceError(input, reason);
  if (input === "") throw fail("reference is empty");
  if (!allowedCharacters.test(input)) throw fail(characterProblem(input));
  if (/^[a-f0-9]{64}$/.test(input)) {
    throw fail("a 64-character hex string is an image ID, not a name (use name@sha256:<hex>)");
  }

  const at = input.indexOf("@");
  const name = at === -1 ? input : input.slice(0, at);
  let digest: Digest | undefined;
  if (at !== -1) {
    const digestText = input.slice(at + 1);
    if (digestText === "") throw fail("digest after '@' is empty");
    if (digestText.includes("@")) throw fail("more than one '@'");
    const problem = digestProblem(digestText);
    if (problem !== undefined) throw fail(`digest ${problem}`);
    digest = digestText as Digest;
  }
  if (name === "") throw fail("name before '@' is empty");

  const slash = name.indexOf("/");
  const hasRegistry = slash !== -1 && looksLikeHost(name.slice(0, slash));
  const remainder = hasRegistry ? name.slice(slash + 1) : name;
  let registry: string;
  if (hasRegistry) {
    const given = name.slice(0, slash);
    const problem = registryProblem(given);
    if (problem !== undefined) throw fail(problem);
    registry = canonicalRegistry(given);
  } else {
    registry = defaultRegistryOf(options);
  }

  const colon = remainder.lastIndexOf(":");
  let repository = colon === -1 ? remainder : remainder.slice(0, colon);
  let tag = colon === -1 ? undefined : remainder.slice(colon + 1);
  if (repository === "" && hasRegistry) {
    throw fail(`no repository after registry ${JSON.stringify(registry)}`);
  }
  if (registry === DockerHub.registry && repository !== "" && !repository.includes("/")) {
    repository = `${DockerHub.officialNamespace}/${repository}`;
  }
  const repositoryIssue = repositoryProblem(repository);
  if (repositoryIssue !== undefined) throw fail(repositoryIssue);
  if (tag !== undefined) {
    const problem = tagProblem(tag);
    if (problem !== undefined) throw fail(problem);
  }
  const length = registry.length + 1 + repository.length;
  if (length > nameTotalLengthMax) {
    throw fail(`name longer than ${nameTotalLengthMax} characters (${length})`);
  }

  if (tag === undefined && digest === undefined && options.defaultTag !== undefined) {
    const problem = tagProblem(options.defaultTag);
    if (problem !== undefined) throw new UsageError(`defaultTag is not a valid tag: ${problem}`);
    tag = options.defaultTag;
  }
  const reference: Reference = { registry, repository };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

function canonicalRegistry(registry: string): string {
  const normalized = normalizeRegistryCase(registry);
  return dockerHubAliases.includes(normalized) ? DockerHub.registry : normalized;
}

function defaultRegistryOf(options: ParseReferenceOptions): string {
  const given = options.defaultRegistry;
  if (given === undefined) return DockerHub.registry;
  const problem = typeof given === "string" ? registryProblem(given) : "not a string";
  if (problem !== undefined) throw new UsageError(`defaultRegistry is not a valid registry: ${problem}`);
  return canonicalRegistry(given);
}

function characterProblem(input: string): string {
  const character = [...input].find((c) => !allowedCharacters.test(c)) ?? "";
  const code = character.codePointAt(0) ?? 0;
  const shown =
    code < 0x21 || (code >= 0x7f && code < 0xa0)
      ? `U+${code.toString(16).toUpperCase().padStart(4, "0")}`
      : JSON.stringify(character);
  if (/\s/.test(character)) return `contains whitespace (${shown})`;
  return `contains ${shown}, which is not allowed in a reference`;
}
