import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatReference,
  InvalidReferenceError,
  parseReference,
  type Reference,
  registryHost,
  UsageError,
} from "./index.js";

const hex64 = "0123456789abcdef".repeat(4);
const sha256 = `sha256:${hex64}`;
const sha512 = `sha512:${hex64}${hex64}`;

/** Input, then the expected reference (valid) or a fragment of the error message (invalid). */
const cases: [string, Reference | string][] = [
  // Docker Hub names (§15)
  ["ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
  ["ubuntu:24.04", { registry: "docker.io", repository: "library/ubuntu", tag: "24.04" }],
  ["library/ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
  ["docker.io/ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
  ["docker.io/library/ubuntu:latest", { registry: "docker.io", repository: "library/ubuntu", tag: "latest" }],
  ["index.docker.io/ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
  ["index.docker.io/bitnami/redis", { registry: "docker.io", repository: "bitnami/redis" }],
  ["registry-1.docker.io/ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
  ["Docker.IO/team/app", { registry: "docker.io", repository: "team/app" }],
  ["bitnami/redis:7.2", { registry: "docker.io", repository: "bitnami/redis", tag: "7.2" }],
  ["a/b/c/d", { registry: "docker.io", repository: "a/b/c/d" }],
  ["docker.io/my.org/app", { registry: "docker.io", repository: "my.org/app" }],
  ["localhost", { registry: "docker.io", repository: "library/localhost" }],
  ["localhost:5000", { registry: "docker.io", repository: "library/localhost", tag: "5000" }],
  ["example.com", { registry: "docker.io", repository: "library/example.com" }],
  [`ubuntu@${sha256}`, { registry: "docker.io", repository: "library/ubuntu", digest: sha256 as never }],
  [
    `ubuntu:24.04@${sha256}`,
    { registry: "docker.io", repository: "library/ubuntu", tag: "24.04", digest: sha256 as never },
  ],
  // Other registries: names, ports, IPv4, IPv6
  ["localhost/app", { registry: "localhost", repository: "app" }],
  ["localhost:5000/app:dev", { registry: "localhost:5000", repository: "app", tag: "dev" }],
  ["localhost:65535/app", { registry: "localhost:65535", repository: "app" }],
  ["example.com/team/app", { registry: "example.com", repository: "team/app" }],
  [
    `registry.example.com:8443/team/app@${sha256}`,
    { registry: "registry.example.com:8443", repository: "team/app", digest: sha256 as never },
  ],
  ["127.0.0.1:5000/app", { registry: "127.0.0.1:5000", repository: "app" }],
  ["10.0.0.1/app", { registry: "10.0.0.1", repository: "app" }],
  ["[::1]:5000/app:v1", { registry: "[::1]:5000", repository: "app", tag: "v1" }],
  ["[2001:db8::1]/team/app", { registry: "[2001:db8::1]", repository: "team/app" }],
  ["[2001:DB8::1]:443/app", { registry: "[2001:db8::1]:443", repository: "app" }],
  ["ghcr.io/owner/repo:sha-abc123", { registry: "ghcr.io", repository: "owner/repo", tag: "sha-abc123" }],
  [
    "gcr.io/project/app@" + sha512,
    { registry: "gcr.io", repository: "project/app", digest: sha512 as never },
  ],
  ["my-registry.local/x", { registry: "my-registry.local", repository: "x" }],
  // Host case: lower-cased unless the case is what makes it a host
  ["Registry.Example.COM/app", { registry: "registry.example.com", repository: "app" }],
  ["LOCALHOST:5000/app", { registry: "localhost:5000", repository: "app" }],
  ["MyHost/app", { registry: "MyHost", repository: "app" }],
  // Path separators and tags
  ["foo_bar/baz__qux/a.b/c---d", { registry: "docker.io", repository: "foo_bar/baz__qux/a.b/c---d" }],
  ["app:Latest_1.0-rc", { registry: "docker.io", repository: "library/app", tag: "Latest_1.0-rc" }],
  ["quay.io/x:_tag", { registry: "quay.io", repository: "x", tag: "_tag" }],
  [`app:${"t".repeat(128)}`, { registry: "docker.io", repository: "library/app", tag: "t".repeat(128) }],
  [
    "example.com/app@unknown+alg:abc=_-",
    { registry: "example.com", repository: "app", digest: "unknown+alg:abc=_-" as never },
  ],
  [`example.com/${"a".repeat(243)}`, { registry: "example.com", repository: "a".repeat(243) }],
  // Invalid
  ["", "reference is empty"],
  [" ubuntu", "contains whitespace"],
  ["ubuntu ", "contains whitespace"],
  ["foo\tbar", "contains whitespace (U+0009)"],
  ["ubuntu#1", 'contains "#"'],
  ["é", 'contains "é"'],
  ["Ubuntu", 'repository "library/Ubuntu" must be lower-case'],
  ["foo/Bar", 'repository "foo/Bar" must be lower-case'],
  ["example.com/Team/app", "must be lower-case"],
  [hex64, "64-character hex string is an image ID"],
  ["ubuntu:", "tag after ':' is empty"],
  ["ubuntu:-tag", "must not start with '.' or '-'"],
  ["ubuntu:.tag", "must not start with '.' or '-'"],
  [`app:${"t".repeat(129)}`, "tag longer than 128 characters"],
  ["foo/bar:tag/baz", 'tag "tag/baz" may contain only'],
  [":tag", "repository is empty"],
  ["ubuntu@", "digest after '@' is empty"],
  [`@${sha256}`, "name before '@' is empty"],
  ["ubuntu@sha256:abc", "digest sha256 needs 64 hex characters, got 3"],
  [`ubuntu@${sha256.toUpperCase()}`, "must be lower-case"],
  [`ubuntu@${sha256}@${sha256}`, "more than one '@'"],
  ["foo:bar:baz", "unexpected ':'"],
  ["foo//bar", "empty path component"],
  ["foo/", "must not end with '/'"],
  ["/foo", "must not start with '/'"],
  ["example.com/", "no repository after registry"],
  ["example.com//app", "must not start with '/'"],
  ["example.com/app/", "must not end with '/'"],
  ["example.com:/app", "port after"],
  ["example.com:abc/app", 'port "abc" must be a number'],
  ["a:b/c", 'port "b" must be a number'],
  ["example.com:70000/app", "port 70000 is outside 1-65535"],
  ["example.com:0/app", "port 0 is outside 1-65535"],
  ["example..com/app", "empty label"],
  ["-example.com/app", "starts or ends with '-'"],
  ["exa_mple.com/app", "may contain only letters, digits, '-' and '.'"],
  ["[::1/app", "'[' without ']'"],
  ["[zz::1]:5000/app", "not a valid IPv6 address"],
  ["::1/app", "IPv6 address needs brackets"],
  ["foo/-bar", 'repository path component "-bar" is invalid'],
  ["foo/bar_", 'repository path component "bar_" is invalid'],
  ["foo/a...b", 'repository path component "a...b" is invalid'],
  ["foo/a___b", 'repository path component "a___b" is invalid'],
  [`example.com/${"a".repeat(244)}`, "name longer than 255 characters (256)"],
  [`${"a".repeat(250)}`, "name longer than 255 characters"],
];

describe("parseReference", () => {
  it("has a table of at least 60 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  it.each(cases)("%j", (input, expected) => {
    if (typeof expected === "string") {
      const error = catchError(() => parseReference(input));
      expect(InvalidReferenceError.isInstance(error)).toBe(true);
      expect((error as InvalidReferenceError).code).toBe("STEVEDORE_INVALID_REFERENCE");
      expect((error as InvalidReferenceError).input).toBe(input);
      expect((error as Error).message).toContain(expected);
      expect((error as Error).message).not.toContain("\n");
    } else {
      expect(parseReference(input)).toStrictEqual(expected);
    }
  });

  it("uses defaultRegistry for names without a registry, without adding library/", () => {
    expect(parseReference("app", { defaultRegistry: "Mirror.Example.com:5000" })).toStrictEqual({
      registry: "mirror.example.com:5000",
      repository: "app",
    });
    expect(parseReference("other.io/app", { defaultRegistry: "mirror.example.com" }).registry).toBe(
      "other.io",
    );
    expect(parseReference("app", { defaultRegistry: "index.docker.io" }).repository).toBe("library/app");
  });

  it("applies defaultTag only when there is neither tag nor digest", () => {
    expect(parseReference("app", { defaultTag: "latest" }).tag).toBe("latest");
    expect(parseReference("app:1", { defaultTag: "latest" }).tag).toBe("1");
    expect(parseReference(`app@${sha256}`, { defaultTag: "latest" }).tag).toBeUndefined();
    expect(parseReference("app").tag).toBeUndefined();
  });

  it("reports bad options as usage errors", () => {
    expect(() => parseReference("app", { defaultRegistry: "bad host" })).toThrow(UsageError);
    expect(() => parseReference("app", { defaultTag: "-x" })).toThrow(UsageError);
  });

  it("rejects values that are not strings with a typed error", () => {
    expect(() => parseReference(undefined as unknown as string)).toThrow(InvalidReferenceError);
    expect(() => parseReference(Object.create(null) as string)).toThrow(InvalidReferenceError);
  });

  it("gives a Reference or an InvalidReferenceError for any string, never anything else", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), referenceAlphabet()), (input) => {
        try {
          checkReference(parseReference(input));
        } catch (error) {
          if (!InvalidReferenceError.isInstance(error)) throw error;
          expect(error.message).not.toContain("\n");
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("formats every parsed reference so that it parses back to the same value", () => {
    let valid = 0;
    fc.assert(
      fc.property(fc.oneof(referenceLike(), referenceAlphabet()), (input) => {
        let reference: Reference;
        try {
          reference = parseReference(input);
        } catch (error) {
          if (!InvalidReferenceError.isInstance(error)) throw error;
          return;
        }
        valid++;
        expect(parseReference(formatReference(reference))).toStrictEqual(reference);
        expect(parseReference(formatReference(reference, { familiar: true }))).toStrictEqual(reference);
      }),
      { numRuns: 2000 },
    );
    // The generator must reach valid references often, or the property says little.
    expect(valid).toBeGreaterThan(500);
  });
});

describe("formatReference", () => {
  it.each([
    ["ubuntu", "docker.io/library/ubuntu", "ubuntu"],
    ["ubuntu:24.04", "docker.io/library/ubuntu:24.04", "ubuntu:24.04"],
    [`ubuntu:24.04@${sha256}`, `docker.io/library/ubuntu:24.04@${sha256}`, `ubuntu:24.04@${sha256}`],
    ["bitnami/redis", "docker.io/bitnami/redis", "bitnami/redis"],
    ["library/a/b", "docker.io/library/a/b", "library/a/b"],
    ["docker.io/my.org/app", "docker.io/my.org/app", "docker.io/my.org/app"],
    ["docker.io/localhost/app", "docker.io/localhost/app", "docker.io/localhost/app"],
    ["library/my.app", "docker.io/library/my.app", "my.app"],
    ["localhost:5000/app:1", "localhost:5000/app:1", "localhost:5000/app:1"],
    ["[::1]:5000/app", "[::1]:5000/app", "[::1]:5000/app"],
    ["MyHost/app", "MyHost/app", "MyHost/app"],
  ])("%s → %s, familiar %s", (input, full, familiar) => {
    const reference = parseReference(input);
    expect(formatReference(reference)).toBe(full);
    expect(formatReference(reference, { familiar: true })).toBe(familiar);
  });
});

describe("registryHost", () => {
  it.each([
    ["docker.io", "registry-1.docker.io"],
    ["localhost:5000", "localhost:5000"],
    ["ghcr.io", "ghcr.io"],
    ["MyHost", "myhost"],
    ["[::1]:5000", "[::1]:5000"],
  ])("%s → %s", (registry, host) => {
    expect(registryHost(registry)).toBe(host);
  });

  it("sends Docker Hub references to registry-1.docker.io", () => {
    expect(registryHost(parseReference("ubuntu").registry)).toBe("registry-1.docker.io");
    expect(registryHost(parseReference("index.docker.io/x/y").registry)).toBe("registry-1.docker.io");
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

function checkReference(reference: Reference): void {
  expect(typeof reference.registry).toBe("string");
  expect(reference.repository).toMatch(/^[a-z0-9]/);
  expect(`${reference.registry}/${reference.repository}`.length).toBeLessThanOrEqual(255);
  if (reference.tag !== undefined) expect(reference.tag).toMatch(/^\w[\w.-]{0,127}$/);
}

/** Strings over the characters references use, so the parser's branches are reached. */
function referenceAlphabet(): fc.Arbitrary<string> {
  const pieces = [
    "a",
    "b",
    "Z",
    "0",
    "9",
    ".",
    "-",
    "_",
    "__",
    "/",
    ":",
    "@",
    "[",
    "]",
    "::1",
    "sha256:",
    hex64,
  ];
  return fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((parts) => parts.join(""));
}

/** Mostly valid references built from the grammar, with a few rough edges. */
function referenceLike(): fc.Arbitrary<string> {
  const component = fc.stringMatching(/^[a-z0-9]{1,6}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,4})?$/);
  const registry = fc.oneof(
    fc.constant(""),
    fc.constantFrom(
      "docker.io/",
      "index.docker.io/",
      "registry-1.docker.io/",
      "localhost/",
      "localhost:5000/",
      "LocalHost/",
      "MyHost/",
      "[::1]:5000/",
      "[FE80::1]/",
      "127.0.0.1:8080/",
      "Example.COM/",
    ),
    fc.tuple(component, fc.constantFrom(".com", ".io:443", ".local")).map(([a, b]) => `${a}${b}/`),
  );
  const path = fc.array(component, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"));
  const tag = fc.option(fc.stringMatching(/^\w[\w.-]{0,20}$/), { nil: undefined });
  const digest = fc.option(fc.constantFrom(sha256, sha512, "x+y:abc="), { nil: undefined });
  return fc
    .tuple(registry, path, tag, digest)
    .map(([r, p, t, d]) => `${r}${p}${t === undefined ? "" : `:${t}`}${d === undefined ? "" : `@${d}`}`);
}
