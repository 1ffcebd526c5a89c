import type { Digest } from "./digest.js";
import { InvalidDigestError } from "./errors.js";
import { isDigestAlgorithm, isDigestEncoded } from "./grammar.js";
import { inputText } from "./input-text.js";

/**
 * Registered algorithms and the exact form of their encoded part (`spec/PROTOCOL.md` §2). `blake3` is
 * registered only on image-spec `main`; it is listed so a malformed one is caught, though no hasher exists.
 */
const registeredAlgorithms: ReadonlyMap<string, { length: number }> = new Map([
  ["sha256", { length: 64 }],
  ["sha512", { length: 128 }],
  ["blake3", { length: 64 }],
]);

const lowerHexPattern = /^[a-f0-9]+$/;

/**
 * Validates a digest string against the OCI grammar and returns it as a {@link Digest}.
 *
 * `sha256` needs exactly 64 and `sha512` exactly 128 lower-case hex characters; other algorithms are checked
 * only for syntax, as the spec asks (`spec/PROTOCOL.md` §2), so content addressed by a newer algorithm can
 * still be named and copied.
 *
 * @throws InvalidDigestError naming what is wrong.
 * @example
 * const digest = parseDigest("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
 */
export function parseDigest(input: string): Digest {
  if (typeof input !== "string") {
    throw new InvalidDigestError(inputText(input), `expected a string, got ${typeName(input)}`);
  }
  const reason = digestProblem(input);
  if (reason !== undefined) throw new InvalidDigestError(input, reason);
  return input as Digest;
}

/** True when `input` is a string that {@link parseDigest} accepts. */
export function isDigest(input: unknown): input is Digest {
  return typeof input === "string" && digestProblem(input) === undefined;
}

/** Internal: the reason `input` is not a valid digest, or `undefined` when it is one. */
export function digestProblem(input: string): string | undefined {
  if (input === "") return "digest is empty";
  const colon = input.indexOf(":");
  if (colon === -1) return "missing ':' between algorithm and encoded part (expected algorithm:hex)";
  const algorithm = input.slice(0, colon);
  const encoded = input.slice(colon + 1);
  if (algorithm === "") return "algorithm is empty";
  if (!isDigestAlgorithm(algorithm)) {
    return /[A-Z]/.test(algorithm)
      ? `algorithm ${JSON.stringify(algorithm)} must be lower-case`
      : `algorithm ${JSON.stringify(clip(algorithm))} may contain only a-z, 0-9 and single separators + . _ -`;
  }
  if (encoded === "") return "encoded part after ':' is empty";
  const registered = registeredAlgorithms.get(algorithm);
  if (registered !== undefined) {
    if (!lowerHexPattern.test(encoded)) {
      return /^[a-fA-F0-9]+$/.test(encoded)
        ? `${algorithm} hex must be lower-case`
        : `${algorithm} encoded part may contain only hex characters 0-9 a-f`;
    }
    if (encoded.length !== registered.length) {
      return `${algorithm} needs ${registered.length} hex characters, got ${encoded.length}`;
    }
    return undefined;
  }
  if (!isDigestEncoded(encoded)) return "encoded part may contain only a-z, A-Z, 0-9, '=', '_' and '-'";
  return undefined;
}

function typeName(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
