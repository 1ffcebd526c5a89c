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
  ManifestError,
  NetworkError,
  NotFoundError,
  RegistryResponseError,
  SizeMismatchError,
  StevedoreError,
  UploadError,
  UsageError,
} from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { ExitCode, exitCodeFor, exitCodeTable, hintFor } from "./exit-codes.js";

const response = (status: number, codes: string[] = []): RegistryResponseError =>
  new RegistryResponseError({
    status,
    method: "GET",
    url: "http://127.0.0.1:5000/v2/app/manifests/v1",
    errors: codes.map((code) => ({ code })),
  });

describe("exitCodeFor", () => {
  const cases: [string, unknown, number][] = [
    ["UsageError", new UsageError("bad flag"), 2],
    ["InvalidReferenceError", new InvalidReferenceError("A", "upper case"), 2],
    ["InvalidPlatformError", new InvalidPlatformError("linux", "no arch"), 2],
    ["InvalidDigestError", new InvalidDigestError("sha256:x", "short"), 2],
    ["NotFoundError", new NotFoundError("tag v9 not found"), 3],
    ["AuthenticationError", new AuthenticationError("ghcr.io", "denied"), 4],
    ["CredentialError", new CredentialError("helper failed"), 4],
    ["NetworkError", new NetworkError("connection refused"), 5],
    ["DigestMismatchError", new DigestMismatchError("sha256:a", "sha256:b"), 6],
    ["SizeMismatchError", new SizeMismatchError(1, 2), 6],
    ["ManifestError", new ManifestError("not JSON"), 6],
    ["LocalFormatError", new LocalFormatError("bad tar"), 6],
    ["LocalIoError (disk full)", new LocalIoError("write", "/x", "ENOSPC"), 7],
    ["LocalIoError (read-only)", new LocalIoError("create directory", "/x", "EROFS"), 7],
    ["AbortError", new AbortError(), 130],
    ["InvalidResponseError", new InvalidResponseError("nonsense"), 1],
    ["InvalidHeaderError", new InvalidHeaderError("Link", "bad"), 1],
    ["a plain StevedoreError", new StevedoreError("STEVEDORE_X", "x"), 1],
    ["404 without codes", response(404), 3],
    ["401", response(401), 4],
    ["403 DENIED", response(403, ["DENIED"]), 4],
    ["400 MANIFEST_INVALID", response(400, ["MANIFEST_INVALID"]), 6],
    ["400 DIGEST_INVALID", response(400, ["DIGEST_INVALID"]), 6],
    ["400 NAME_INVALID", response(400, ["NAME_INVALID"]), 2],
    ["404 NAME_UNKNOWN", response(404, ["NAME_UNKNOWN"]), 3],
    ["405 UNSUPPORTED", response(405, ["UNSUPPORTED"]), 1],
    ["500", response(500), 1],
    [
      "UploadError wrapping a NetworkError",
      new UploadError("gave up", { cause: new NetworkError("reset") }),
      5,
    ],
    ["UploadError wrapping nothing", new UploadError("gave up"), 1],
    [
      "an unwrapped ECONNREFUSED",
      Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
      5,
    ],
    ["an unwrapped ENOENT", Object.assign(new Error("no such file"), { code: "ENOENT" }), 3],
    ["a DOM AbortError", new DOMException("aborted", "AbortError"), 130],
    ["a TypeError (a bug)", new TypeError("x is undefined"), 1],
    ["a string", "boom", 1],
    ["null", null, 1],
  ];
  it.each(cases)("%s → %i", (_name, error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });

  it("recognises errors from another copy of core by their marker", () => {
    const foreign = new NotFoundError("x");
    Object.setPrototypeOf(foreign, Error.prototype);
    expect(exitCodeFor(foreign)).toBe(ExitCode.notFound);
  });
});

describe("exitCodeTable", () => {
  it("documents every ExitCode exactly once, in order", () => {
    expect(exitCodeTable.map((entry) => entry.code)).toEqual(Object.values(ExitCode));
  });

  it("gives every failure a hint except success and interruption", () => {
    for (const entry of exitCodeTable) {
      expect(hintFor(entry.code) === "").toBe(entry.code === 0 || entry.code === 130);
    }
  });
});
