import { UsageError } from "@stevedore/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BaseUrlOptions, baseUrlFor } from "./base-url-for.js";

describe("baseUrlFor", () => {
  it.each([
    ["registry-1.docker.io", {}, "https://registry-1.docker.io/"],
    ["ghcr.io:443", {}, "https://ghcr.io/"],
    ["localhost:5000", {}, "http://localhost:5000/"],
    ["LOCALHOST", {}, "http://localhost/"],
    ["127.0.0.1:5000", {}, "http://127.0.0.1:5000/"],
    ["127.8.9.10", {}, "http://127.8.9.10/"],
    ["[::1]:5000", {}, "http://[::1]:5000/"],
    ["[0:0:0:0:0:0:0:1]", {}, "http://[::1]/"],
    ["localhost:5000", { plainHttp: { loopback: false } }, "https://localhost:5000/"],
    ["registry.local:5000", { plainHttp: ["registry.local"] }, "http://registry.local:5000/"],
    ["registry.local:5000", { plainHttp: ["registry.local:5000"] }, "http://registry.local:5000/"],
    ["registry.local:5001", { plainHttp: ["registry.local:5000"] }, "https://registry.local:5001/"],
    ["registry.local", { hosts: { "registry.local": { plainHttp: true } } }, "http://registry.local/"],
    ["localhost:5443", { hosts: { "localhost:5443": { plainHttp: false } } }, "https://localhost:5443/"],
    ["ghcr.io", { plainHttp: true }, "http://ghcr.io/"],
    [
      "localhost:5443",
      { plainHttp: true, hosts: { "localhost:5443": { plainHttp: false } } },
      "https://localhost:5443/",
    ],
    ["128.0.0.1", {}, "https://128.0.0.1/"],
    ["localhost.example.com", {}, "https://localhost.example.com/"],
  ] as [string, BaseUrlOptions, string][])("%s with %j → %s", (host, options, expected) => {
    expect(baseUrlFor(host, options).href).toBe(expected);
  });

  it("speaks plain HTTP to a *.localhost registry, as auth accepts a token realm there", () => {
    expect(baseUrlFor("registry.localhost:5000").href).toBe("http://registry.localhost:5000/");
    expect(baseUrlFor("registry.localhost", { plainHttp: { loopback: false } }).href).toBe(
      "https://registry.localhost/",
    );
  });

  it.each(["https://ghcr.io", "ghcr.io/v2/", "", "host:99999", "user@host", "::1", "a b"])(
    "rejects %j",
    (host) => {
      expect(() => baseUrlFor(host)).toThrow(UsageError);
    },
  );

  it("rejects a bad plainHttp entry", () => {
    expect(() => baseUrlFor("ghcr.io", { plainHttp: ["http://ghcr.io"] })).toThrow(UsageError);
  });

  it("gives a URL or a UsageError for any string", () => {
    fc.assert(
      fc.property(fc.string(), (host) => {
        try {
          expect(["http:", "https:"]).toContain(baseUrlFor(host).protocol);
        } catch (error) {
          expect(UsageError.isInstance(error)).toBe(true);
        }
      }),
    );
  });
});
