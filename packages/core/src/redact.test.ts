import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactAuthorization, redactUrl } from "./index.js";

describe("redactUrl", () => {
  it("redacts every part of an S3 presigned URL that grants access", () => {
    const url =
      "https://bucket.s3.us-east-1.amazonaws.com/docker/registry/v2/blobs/sha256/ab/abcd/data" +
      "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request" +
      "&X-Amz-Date=20240101T000000Z&X-Amz-Expires=1200&X-Amz-SignedHeaders=host" +
      "&X-Amz-Security-Token=FwoGZXIvYXdzEXAMPLE&X-Amz-Signature=0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    const redacted = redactUrl(url);
    for (const secret of ["AKIAEXAMPLE", "FwoGZXIvYXdzEXAMPLE", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"]) {
      expect(redacted).not.toContain(secret);
    }
    expect(redacted).toContain(
      "https://bucket.s3.us-east-1.amazonaws.com/docker/registry/v2/blobs/sha256/ab/abcd/data?",
    );
    expect(redacted).toContain("X-Amz-Signature=REDACTED");
  });

  it("redacts GCS signed URLs, V2 and V4", () => {
    const v2 = redactUrl(
      "https://storage.googleapis.com/bucket/blob?GoogleAccessId=sa%40p.iam.gserviceaccount.com&Expires=1700000000&Signature=c2lnbmF0dXJl%2Bgcs",
    );
    expect(v2).not.toContain("c2lnbmF0dXJl");
    expect(v2).toContain("Signature=REDACTED");
    expect(v2).toContain("Expires=REDACTED");
    const v4 = redactUrl(
      "https://storage.googleapis.com/bucket/blob?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%2F20240101&X-Goog-Signature=deadbeefcafe",
    );
    expect(v4).not.toContain("deadbeefcafe");
    expect(v4).not.toContain("sa%2F20240101");
  });

  it("redacts Azure SAS, CloudFront and Docker Hub CDN signatures", () => {
    const azure = redactUrl(
      "https://acct.blob.core.windows.net/c/b?sv=2022-11-02&se=2024-01-01&sp=r&sig=YXp1cmVzaWc%3D",
    );
    expect(azure).not.toContain("YXp1cmVzaWc");
    const cloudfront = redactUrl(
      "https://d1.cloudfront.net/b?Policy=eyJwb2xpY3kifQ__&Signature=cfsig~x&Key-Pair-Id=APKAEXAMPLE",
    );
    for (const secret of ["eyJwb2xpY3kifQ__", "cfsig", "APKAEXAMPLE"])
      expect(cloudfront).not.toContain(secret);
    const hub = redactUrl(
      "https://production.cloudflare.docker.com/registry-v2/docker/registry/v2/blobs/sha256/12/1234/data?verify=1700000000-aGVsbG8gd29ybGQ%3D",
    );
    expect(hub).not.toContain("aGVsbG8gd29ybGQ");
    expect(hub).toContain("verify=REDACTED");
  });

  it("keeps query parameters that hold no secret", () => {
    expect(redactUrl("https://r.example/v2/app/tags/list?n=100&last=v1.2")).toBe(
      "https://r.example/v2/app/tags/list?n=100&last=v1.2",
    );
    expect(redactUrl("https://r.example/v2/app/blobs/uploads/u1?_state=abc&digest=sha256%3A00")).toBe(
      "https://r.example/v2/app/blobs/uploads/u1?_state=abc&digest=sha256%3A00",
    );
  });

  it("removes user info and fragments", () => {
    expect(redactUrl("https://alice:s3cret@registry.example.com:5000/v2/")).toBe(
      "https://REDACTED@registry.example.com:5000/v2/",
    );
    expect(redactUrl("https://ghp_tokenvalue@registry.example.com/v2/")).toBe(
      "https://REDACTED@registry.example.com/v2/",
    );
    expect(redactUrl("https://registry.example.com/v2/#access_token=abc")).toBe(
      "https://registry.example.com/v2/",
    );
    expect(redactUrl(new URL("https://bob:pw@example.com/?token=t"))).toBe(
      "https://REDACTED@example.com/?token=REDACTED",
    );
  });

  it.each([
    ["alice:s3cret@registry.example.com/v2/", "REDACTED@registry.example.com/v2/"],
    ["//alice:s3cret@registry.example.com/v2/", "//REDACTED@registry.example.com/v2/"],
    ["docker://alice:s3cret@host/app", "docker://REDACTED@host/app"],
    ["registry.example.com/v2/?token=abc#x", "registry.example.com/v2/?REDACTED"],
    ["/v2/app/blobs/uploads/u1?_state=secretish", "/v2/app/blobs/uploads/u1?REDACTED"],
    ["localhost:5000/v2/app", "localhost:5000/v2/app"],
    ["not a url at all", "not a url at all"],
  ])("redacts text that is not a web URL: %s", (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it("never lets a password or a signature through, whatever the URL looks like", () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/);
    const host = fc.constantFrom("registry.example.com", "127.0.0.1:5000", "[::1]:8443", "localhost");
    const scheme = fc.constantFrom("https://", "http://", "", "//", "oci://");
    const key = fc.constantFrom(
      "X-Amz-Signature",
      "sig",
      "token",
      "access_token",
      "Signature",
      "verify",
      "code",
    );
    fc.assert(
      fc.property(scheme, host, secret, secret, key, (prefix, where, password, signature, name) => {
        const url = `${prefix}user:${password}@${where}/v2/app?n=1&${name}=${signature}`;
        const redacted = redactUrl(url);
        expect(redacted).not.toContain(password);
        expect(redacted).not.toContain(signature);
      }),
    );
  });
});

describe("redactAuthorization", () => {
  it.each([
    ["Bearer eyJhbGciOiJFUzI1NiJ9.payload.sig", "Bearer REDACTED"],
    ["Basic dXNlcjpwYXNzd29yZA==", "Basic REDACTED"],
    ["opaque-token", "REDACTED"],
  ])("%s → %s", (input, expected) => {
    expect(redactAuthorization(input)).toBe(expected);
  });
});
