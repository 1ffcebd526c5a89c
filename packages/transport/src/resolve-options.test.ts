import { UsageError } from "@stevedore/core";
import { MockAgent } from "undici";
import { describe, expect, it } from "vitest";
import { resolveOptions } from "./resolve-options.js";
import type { TransportOptions } from "./transport-options.js";

describe("resolveOptions", () => {
  it("fills in the defaults", () => {
    const resolved = resolveOptions();
    expect(resolved.retry.maxRetries).toBe(3);
    expect([...resolved.retry.statusCodes]).toEqual([408, 429, 500, 502, 503, 504]);
    expect(resolved.retry.errorCodes.has("ENOTFOUND")).toBe(false);
    expect(resolved.timeouts).toEqual({ connect: 10_000, headers: 300_000, bodyIdle: 300_000 });
    expect(resolved.proxy).toBeUndefined();
    expect(resolved.errorBodyLimit).toBe(65_536);
  });

  it("takes proxies from the env object the caller passes, lower case first, explicit values winning", () => {
    const resolved = resolveOptions({
      proxy: { environment: true, http: "http://explicit:3128" },
      env: { HTTPS_PROXY: "http://upper:3128", https_proxy: "http://lower:3128", NO_PROXY: "localhost" },
    });
    expect(resolved.proxy).toEqual({
      httpProxy: "http://explicit:3128",
      httpsProxy: "http://lower:3128",
      noProxy: "localhost",
    });
  });

  it.each<[string, TransportOptions]>([
    ["a negative retry count", { retry: { maxRetries: -1 } }],
    ["a fractional delay", { retry: { minDelay: 1.5 } }],
    ["jitter above 1", { retry: { jitter: 2 } }],
    ["status codes that are not numbers", { retry: { statusCodes: ["500"] as never } }],
    ["an unknown proxy mode", { proxy: "system" as never }],
    ["environment proxies without env", { proxy: "environment" }],
    ["a proxy that is not a URL", { proxy: { https: "proxy:3128" } }],
    ["a proxy with a bad scheme", { proxy: { https: "ftp://user:secret@proxy" } }],
    ["a user agent with a newline", { userAgent: "a\nb" }],
    ["plainHttp of the wrong type", { plainHttp: "yes" as never }],
    ["a plainHttp.loopback that is not a boolean", { plainHttp: { loopback: "no" as never } }],
    ["a proxy that is neither a mode nor settings", { proxy: 3128 as never }],
    ["a host key with a scheme", { hosts: { "https://registry.local": {} } }],
    ["a non-function hook", { onDebug: "yes" as never }],
    ["an auth without methods", { auth: {} as never }],
    ["a dispatcher together with TLS", { dispatcher: new MockAgent(), tls: { insecure: true } }],
    [
      "a dispatcher together with a proxy",
      { dispatcher: new MockAgent(), proxy: { http: "http://proxy:3128" } },
    ],
  ])("rejects %s with UsageError", (_name, options) => {
    expect(() => resolveOptions(options)).toThrow(UsageError);
    try {
      resolveOptions(options);
    } catch (error) {
      expect(String(error)).not.toContain("secret");
    }
  });
});
