/**
 * fast-check arbitraries for the values of the route table (`spec/PROTOCOL.md` §2), shared by the tests.
 * Names and tags deliberately include the words the paths use (`manifests`, `blobs`, `uploads`, `tags`,
 * `list`, `referrers`) so matching is exercised where it could be ambiguous.
 */
import fc from "fast-check";
import type { RouteName, RouteParams } from "../routes.js";
import { routes } from "../routes.js";

const pathWords = ["manifests", "blobs", "uploads", "tags", "list", "referrers", "v2"];

const hex = (length: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });

/** One component of a repository name, sometimes a word the API paths use. */
export const nameComponent: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-z0-9]{1,8}(?:(?:\.|_|__|-{1,3})[a-z0-9]{1,8}){0,3}$/),
  fc.constantFrom(...pathWords),
);

/** A repository name by the OCI regex. */
export const repositoryName: fc.Arbitrary<string> = fc
  .array(nameComponent, { minLength: 1, maxLength: 5 })
  .map((components) => components.join("/"));

/** A tag, sometimes a word the API paths use. */
export const tag: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/),
  fc.constantFrom(...pathWords, "latest", "_", "A", "a".repeat(128)),
);

/** A digest that passes the strict check: sha256, sha512, or an unregistered algorithm. */
export const digest: fc.Arbitrary<string> = fc.oneof(
  hex(64).map((encoded) => `sha256:${encoded}`),
  hex(128).map((encoded) => `sha512:${encoded}`),
  fc
    .tuple(
      fc.stringMatching(/^[a-z0-9]{1,6}(?:[+._-][a-z0-9]{1,6}){0,2}$/),
      fc.stringMatching(/^[a-zA-Z0-9=_-]{1,40}$/),
    )
    .filter(([algorithm]) => !["sha256", "sha512", "blake3"].includes(algorithm))
    .map(([algorithm, encoded]) => `${algorithm}:${encoded}`),
);

/** An upload session id as distribution writes them (§2). */
export const session: fc.Arbitrary<string> = fc
  .stringMatching(/^[a-zA-Z0-9._=-]{1,40}$/)
  .filter((value) => value !== "." && value !== "..");

/** A media type for `artifactType`. */
export const mediaType: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("application/vnd.example.sbom.v1+json", "application/spdx+json", "text/plain"),
  fc.stringMatching(/^[a-z][a-z0-9.+-]{0,20}\/[a-z][a-z0-9.+-]{0,30}$/),
);

/** Params for route `name`: every value it needs, and each optional query value present or not. */
export function paramsFor(name: RouteName): fc.Arbitrary<RouteParams> {
  const route = routes[name];
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  for (const placeholder of route.path.matchAll(/\{(\w+)\}/g)) {
    const param = placeholder[1] as keyof RouteParams;
    parts[param] =
      param === "name"
        ? repositoryName
        : param === "reference"
          ? fc.oneof(tag, digest)
          : param === "digest"
            ? digest
            : session;
  }
  const optional: string[] = [];
  for (const [param, presence] of Object.entries(route.query)) {
    parts[param] =
      param === "n"
        ? fc.nat()
        : param === "last"
          ? name === "catalog"
            ? repositoryName
            : tag
          : param === "artifactType"
            ? mediaType
            : param === "from"
              ? repositoryName
              : digest;
    if (presence === "optional") optional.push(param);
  }
  const required = Object.keys(parts).filter((key) => !optional.includes(key));
  return fc.record(parts, { requiredKeys: required }) as fc.Arbitrary<RouteParams>;
}
