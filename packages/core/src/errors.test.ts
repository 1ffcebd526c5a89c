import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AbortError,
  AuthenticationError,
  CredentialError,
  DigestMismatchError,
  InvalidDigestError,
  InvalidHeaderError,
  InvalidPlatformError,
  InvalidReferenceError,
  InvalidResponseError,
  LocalFormatError,
  LocalIoError,
  localIoError,
  ManifestError,
  NetworkError,
  NotFoundError,
  RegistryResponseError,
  SizeMismatchError,
  StevedoreError,
  UploadError,
  UsageError,
} from "./index.js";

type AnyErrorClass = (typeof errors)[number][0];

/** One instance of every class, with its expected code. */
const errors = [
  [AbortError, new AbortError(), "STEVEDORE_ABORTED"],
  [AuthenticationError, new AuthenticationError("ghcr.io", "denied"), "STEVEDORE_AUTHENTICATION"],
  [CredentialError, new CredentialError("helper failed"), "STEVEDORE_CREDENTIALS"],
  [DigestMismatchError, new DigestMismatchError("sha256:a", "sha256:b"), "STEVEDORE_DIGEST_MISMATCH"],
  [InvalidDigestError, new InvalidDigestError("x", "bad"), "STEVEDORE_INVALID_DIGEST"],
  [InvalidHeaderError, new InvalidHeaderError("Link", "bad"), "STEVEDORE_INVALID_HEADER"],
  [InvalidPlatformError, new InvalidPlatformError("x", "bad"), "STEVEDORE_INVALID_PLATFORM"],
  [InvalidReferenceError, new InvalidReferenceError("X", "bad"), "STEVEDORE_INVALID_REFERENCE"],
  [InvalidResponseError, new InvalidResponseError("bad"), "STEVEDORE_INVALID_RESPONSE"],
  [LocalFormatError, new LocalFormatError("bad"), "STEVEDORE_LOCAL_FORMAT"],
  [LocalIoError, new LocalIoError("write", "/x", "ENOSPC"), "STEVEDORE_LOCAL_IO"],
  [ManifestError, new ManifestError("bad"), "STEVEDORE_MANIFEST_INVALID"],
  [NetworkError, new NetworkError("reset"), "STEVEDORE_NETWORK"],
  [NotFoundError, new NotFoundError("gone"), "STEVEDORE_NOT_FOUND"],
  [
    RegistryResponseError,
    new RegistryResponseError({ status: 404, method: "GET", url: "https://r/v2/x/manifests/y" }),
    "STEVEDORE_REGISTRY_RESPONSE",
  ],
  [SizeMismatchError, new SizeMismatchError(1, 2), "STEVEDORE_SIZE_MISMATCH"],
  [UploadError, new UploadError("bad"), "STEVEDORE_UPLOAD"],
  [UsageError, new UsageError("bad"), "STEVEDORE_USAGE"],
] as const;

/** Loads a second, separate copy of the errors module, as a duplicate install would. */
async function secondCopy(): Promise<typeof import("./errors.js")> {
  const path = "./errors.ts?second-copy";
  return (await import(/* @vite-ignore */ path)) as typeof import("./errors.js");
}

describe("error classes", () => {
  it.each(errors.map(([type, error, code]) => [type.name, type, error, code] as const))(
    "%s has its code, name and identity",
    (name, type, error, code) => {
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(error).toBeInstanceOf(Error);
      expect(StevedoreError.isInstance(error)).toBe(true);
      expect((type as AnyErrorClass).isInstance(error)).toBe(true);
      for (const [other, otherError] of errors) {
        if (other !== type) expect((other as AnyErrorClass).isInstance(error)).toBe(otherError === error);
      }
    },
  );

  it("has a distinct code for every class", () => {
    expect(new Set(errors.map(([, , code]) => code)).size).toBe(errors.length);
  });

  it("recognises errors from another copy of the package through the Symbol.for marker", async () => {
    const copy = await secondCopy();
    expect(copy.ManifestError).not.toBe(ManifestError);
    const foreign = new copy.ManifestError("from the other copy");
    expect(foreign instanceof ManifestError).toBe(false);
    expect(ManifestError.isInstance(foreign)).toBe(true);
    expect(StevedoreError.isInstance(foreign)).toBe(true);
    expect(NotFoundError.isInstance(foreign)).toBe(false);
    expect(copy.StevedoreError.isInstance(new DigestMismatchError("a", "b"))).toBe(true);
    expect(copy.DigestMismatchError.isInstance(new DigestMismatchError("a", "b"))).toBe(true);
    expect(copy.SizeMismatchError.isInstance(new DigestMismatchError("a", "b"))).toBe(false);
  });

  it("does not recognise look-alikes", () => {
    expect(StevedoreError.isInstance(new Error("x"))).toBe(false);
    expect(StevedoreError.isInstance({ code: "STEVEDORE_USAGE", message: "x" })).toBe(false);
    expect(StevedoreError.isInstance({ [Symbol.for("stevedore.error")]: ["not a set"] })).toBe(false);
    expect(StevedoreError.isInstance(null)).toBe(false);
    expect(StevedoreError.isInstance("STEVEDORE_USAGE")).toBe(false);
  });

  it("keeps the cause and the retryable flag", () => {
    const cause = new Error("ECONNRESET");
    const error = new NetworkError("connection reset", { cause });
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(true);
    expect(new NetworkError("x", { retryable: false }).retryable).toBe(false);
    expect(new UsageError("x").retryable).toBe(false);
    expect(new UsageError("x").cause).toBeUndefined();
  });

  it("writes one-line messages that name what is wrong", () => {
    expect(new InvalidReferenceError("Foo", "repository must be lower-case").message).toBe(
      'invalid reference "Foo": repository must be lower-case',
    );
    expect(new InvalidReferenceError("a".repeat(1000), "too long").message.length).toBeLessThan(340);
    expect(new DigestMismatchError("sha256:a", "sha256:b", "layer 2").message).toBe(
      "digest mismatch for layer 2: expected sha256:a, got sha256:b",
    );
    expect(new SizeMismatchError(10, 11).message).toBe("size mismatch: expected 10 bytes, got 11 or more");
    expect(new SizeMismatchError(10, 9).message).toBe("size mismatch: expected 10 bytes, got 9");
    expect(new AuthenticationError("ghcr.io", "token refused").message).toBe("ghcr.io: token refused");
    expect(new InvalidHeaderError("Content-Range", "not a range").message).toBe(
      "invalid Content-Range header: not a range",
    );
  });
});

describe("LocalIoError", () => {
  it("names the operation, the path and the system's reason in words", () => {
    expect(new LocalIoError("write", "/data/layout/blobs/sha256/ab", "ENOSPC").message).toBe(
      "cannot write /data/layout/blobs/sha256/ab: no space left on device (ENOSPC)",
    );
    expect(new LocalIoError("create directory", "/mnt/x", "EROFS").message).toBe(
      "cannot create directory /mnt/x: read-only file system (EROFS)",
    );
    expect(new LocalIoError("open", "/x", "EWEIRD").message).toBe("cannot open /x: EWEIRD");
    expect(new LocalIoError("open", "/x", undefined).message).toBe("cannot open /x: file system error");
  });

  it("localIoError wraps a Node error and passes a stevedore error through", () => {
    const cause = Object.assign(new Error("EACCES: permission denied, open '/x'"), { code: "EACCES" });
    const wrapped = localIoError("open", "/x", cause);
    expect(LocalIoError.isInstance(wrapped)).toBe(true);
    expect(wrapped).toMatchObject({ operation: "open", path: "/x", systemCode: "EACCES", cause });
    expect(wrapped.message).toBe("cannot open /x: permission denied (EACCES)");
    const own = new NotFoundError("gone");
    expect(localIoError("open", "/x", own)).toBe(own);
    expect(localIoError("read", "/x", "boom").message).toBe("cannot read /x: file system error");
  });
});

describe("RegistryResponseError", () => {
  const init = {
    status: 404,
    method: "GET",
    url: "https://registry.example.com/v2/app/manifests/v1",
    requestId: "req-1",
    errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown", detail: { tag: "v1" } }],
  };

  it("keeps the registry's error codes verbatim and says them in one line", () => {
    const error = new RegistryResponseError({
      ...init,
      errors: [...init.errors, { code: "NAME_UNKNOWN", message: "repository\nname not known" }],
    });
    expect(error.message).toBe(
      "GET https://registry.example.com/v2/app/manifests/v1 answered 404 (MANIFEST_UNKNOWN: manifest unknown; NAME_UNKNOWN: repository name not known)",
    );
    expect(error.hasCode("MANIFEST_UNKNOWN")).toBe(true);
    expect(error.hasCode("DENIED")).toBe(false);
    expect(error.errors[0]?.detail).toStrictEqual({ tag: "v1" });
  });

  it("names the rate limit of a 429 in its one-line message", () => {
    const hub = "https://registry-1.docker.io/v2/library/alpine/manifests/3.20";
    const tooMany = [{ code: "TOOMANYREQUESTS", message: "You have reached your pull rate limit." }];
    const rateLimit = { limit: 100, remaining: 0, windowSeconds: 21600, source: "203.0.113.5" };
    const error = new RegistryResponseError({
      ...init,
      status: 429,
      url: hub,
      errors: tooMany,
      rateLimit,
      retryAfter: 60,
    });
    expect(error.message).toBe(
      `GET ${hub} answered 429: rate limit 100 per 21600 s reached for 203.0.113.5 (0 remaining); retry after 60 s (TOOMANYREQUESTS: You have reached your pull rate limit.)`,
    );
    expect(error.rateLimit).toStrictEqual(rateLimit);
    expect(JSON.parse(JSON.stringify(error)).rateLimit).toStrictEqual(rateLimit);
    expect(
      new RegistryResponseError({ ...init, status: 429, url: hub, errors: [], rateLimit: { limit: 5 } })
        .message,
    ).toBe(`GET ${hub} answered 429: rate limit 5 reached; retry later`);
    expect(
      new RegistryResponseError({ ...init, status: 429, rateLimit: { limit: 5, source: "a\nb".repeat(100) } })
        .message,
    ).not.toContain("\n");
    expect(new RegistryResponseError({ ...init, status: 404, rateLimit }).message).not.toContain(
      "rate limit",
    );
  });

  it("clips a long registry message", () => {
    const error = new RegistryResponseError({ ...init, errors: [{ code: "X", message: "y".repeat(5000) }] });
    expect(error.message.length).toBeLessThan(700);
  });

  it.each([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [400, false],
    [401, false],
    [404, false],
    [501, false],
  ])("status %i is retryable: %s", (status, retryable) => {
    expect(new RegistryResponseError({ ...init, status }).retryable).toBe(retryable);
  });

  it("serialises to JSON with its fields and without the cause", () => {
    const error = new RegistryResponseError(
      { ...init, retryAfter: 30 },
      { cause: new Error("secret-ish detail") },
    );
    const json = JSON.parse(JSON.stringify(error));
    expect(json).toStrictEqual({
      name: "RegistryResponseError",
      code: "STEVEDORE_REGISTRY_RESPONSE",
      message: error.message,
      status: 404,
      method: "GET",
      url: init.url,
      errors: init.errors,
      requestId: "req-1",
      retryAfter: 30,
      retryable: false,
    });
    expect(JSON.stringify(error)).not.toContain("secret-ish");
  });
});

describe("toJSON", () => {
  it("gives name, code, message, the class's fields and retryable", () => {
    expect(new DigestMismatchError("sha256:a", "sha256:b").toJSON()).toStrictEqual({
      name: "DigestMismatchError",
      code: "STEVEDORE_DIGEST_MISMATCH",
      message: "digest mismatch: expected sha256:a, got sha256:b",
      expected: "sha256:a",
      actual: "sha256:b",
      retryable: false,
    });
    expect(new InvalidPlatformError("x", "bad").toJSON()).toMatchObject({ input: "x", retryable: false });
    expect(new NetworkError("reset").toJSON()).toStrictEqual({
      name: "NetworkError",
      code: "STEVEDORE_NETWORK",
      message: "reset",
      retryable: true,
    });
  });
});

describe("RegistryResponseError.toJSON with hostile details", () => {
  const request = { status: 400, method: "PUT", url: "https://registry.example.com/v2/app/manifests/v1" };
  const withDetail = (detail: unknown): RegistryResponseError =>
    new RegistryResponseError({ ...request, errors: [{ code: "MANIFEST_INVALID", message: "bad", detail }] });

  /** A detail nested `depth` levels deep, built without recursion. */
  const nestedDetail = fc.record({ depth: fc.nat(20_000), object: fc.boolean() }).map(({ depth, object }) => {
    let value: unknown = "bottom";
    for (let level = 0; level < depth; level++) value = object ? { next: value } : [value];
    return value;
  });
  const hugeString = fc.integer({ min: 4000, max: 4 * 1024 * 1024 }).map((length) => "é\n".repeat(length));
  const wideArray = fc.integer({ min: 0, max: 200_000 }).map((length) => new Array(length).fill({ n: 1 }));
  const anyDetail = fc.oneof(
    fc.jsonValue(),
    fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withSparseArray: true,
      withTypedArray: true,
      withObjectString: true,
      withBoxedValues: true,
    }),
    nestedDetail,
    hugeString,
    wideArray,
  );

  it("serialises any detail without throwing, in a bounded size", () => {
    fc.assert(
      fc.property(anyDetail, (detail) => {
        const text = JSON.stringify(withDetail(detail));
        expect(text.length).toBeLessThan(5000);
        expect(JSON.parse(text)).toMatchObject({ code: "STEVEDORE_REGISTRY_RESPONSE", status: 400 });
      }),
      { numRuns: 200 },
    );
  });

  it("marks a detail nested 10 000 levels deep at level 32, and keeps it whole on the error", () => {
    let detail: unknown = 1;
    for (let level = 0; level < 10_000; level++) detail = [detail];
    const error = withDetail(detail);
    const text = JSON.stringify(error);
    expect(text).toContain(`${"[".repeat(32)}"[nested too deep]"${"]".repeat(32)}`);
    expect(text).not.toContain("[".repeat(33));
    expect(error.errors[0]?.detail).toBe(detail);
  });

  it("cuts a detail of many MiB to a few KiB with a marker", () => {
    const json = JSON.parse(JSON.stringify(withDetail({ log: "x".repeat(16 * 1024 * 1024) })));
    expect(json.errors[0].detail.log).toMatch(/^x{4000,}…\[truncated\]$/);
    expect(JSON.stringify(json).length).toBeLessThan(5000);
  });

  it("survives a cyclic detail and clips long codes, messages and lists", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const entries = Array.from({ length: 500 }, () => ({
      code: "C".repeat(1000),
      message: "m".repeat(100_000),
    }));
    const json = JSON.parse(
      JSON.stringify(
        new RegistryResponseError({ ...request, errors: [{ code: "X", detail: cycle }, ...entries] }),
      ),
    );
    expect(JSON.stringify(json.errors[0].detail)).toContain("[nested too deep]");
    expect(json.errors).toHaveLength(50);
    expect(json.errors[1].code).toHaveLength(101);
    expect(json.errors[1].message).toHaveLength(1001);
  });
});
