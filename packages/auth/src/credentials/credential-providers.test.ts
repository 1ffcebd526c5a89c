import type { CredentialProvider } from "@stevedore/core";
import { CredentialError, UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { createAuth } from "../create-auth.js";
import { chainCredentials } from "./chain-credentials.js";
import { dockerConfigKey, normalizeRegistryHost } from "./normalize-registry-host.js";
import { staticCredentials } from "./static-credentials.js";

describe("staticCredentials", () => {
  it("gives one credentials object to every registry", async () => {
    const provider = staticCredentials({ username: "u", password: "p" });
    expect(await provider.get("ghcr.io")).toEqual({ username: "u", password: "p" });
    expect(await provider.get("localhost:5000")).toEqual({ username: "u", password: "p" });
  });

  it("looks hosts up in a record or Map, normalising keys", async () => {
    const record = staticCredentials({
      "https://index.docker.io/v1/": { username: "hub", password: "h" },
      "ghcr.io": { registryToken: "t" },
    });
    expect(await record.get("registry-1.docker.io")).toEqual({ username: "hub", password: "h" });
    expect(await record.get("GHCR.io")).toEqual({ registryToken: "t" });
    expect(await record.get("quay.io")).toBeUndefined();
    const map = staticCredentials(new Map([["localhost:5000", { username: "l", password: "p" }]]));
    expect(await map.get("localhost:5000")).toEqual({ username: "l", password: "p" });
    expect(await map.get("localhost:5001")).toBeUndefined();
  });

  it("rejects fields that are not strings without printing them", () => {
    expect(() => staticCredentials({ "ghcr.io": { password: 42 as unknown as string } })).toThrow(
      new UsageError('credentials for "ghcr.io": password must be a string'),
    );
  });

  it("hands out copies", async () => {
    const provider = staticCredentials({ username: "u", password: "p" });
    const first = await provider.get("a");
    if (first) first.password = "changed";
    expect(await provider.get("a")).toEqual({ username: "u", password: "p" });
  });
});

describe("chainCredentials", () => {
  it("returns the first answer and passes the signal", async () => {
    const asked: string[] = [];
    const signals: (AbortSignal | undefined)[] = [];
    const named = (name: string, answer: boolean): CredentialProvider => ({
      async get(registry, options) {
        asked.push(`${name}:${registry}`);
        signals.push(options?.signal);
        return answer ? { username: name, password: "p" } : undefined;
      },
    });
    const signal = new AbortController().signal;
    const chain = chainCredentials([named("a", false), named("b", true), named("c", true)]);
    expect(await chain.get("ghcr.io", { signal })).toEqual({ username: "b", password: "p" });
    expect(asked).toEqual(["a:ghcr.io", "b:ghcr.io"]);
    expect(signals).toEqual([signal, signal]);
    expect(await chainCredentials([named("x", false)]).get("ghcr.io")).toBeUndefined();
  });

  it("does not swallow a provider's error", async () => {
    const broken: CredentialProvider = { get: () => Promise.reject(new CredentialError("helper failed")) };
    await expect(
      chainCredentials([broken, staticCredentials({ username: "u", password: "p" })]).get("h"),
    ).rejects.toThrow("helper failed");
  });
});

describe("provider answers inside createAuth", () => {
  it("rejects a provider answer that is not credentials", async () => {
    const auth = createAuth({ credentials: { get: async () => 42 as never } });
    const request = { method: "GET", url: new URL("https://r.example.com/v2/"), scopes: [] };
    await expect(auth.challenge(request, ['Basic realm="r"'])).rejects.toThrow(CredentialError);
  });

  it("rejects invalid options with UsageError", () => {
    expect(() => createAuth({ refreshMargin: -1 })).toThrow(UsageError);
    expect(() => createAuth({ timeout: 0 })).toThrow(UsageError);
    expect(() => createAuth({ clientId: "" })).toThrow(UsageError);
    expect(() => createAuth({ credentials: {} as CredentialProvider })).toThrow(UsageError);
  });
});

describe("host helpers", () => {
  it.each([
    ["https://index.docker.io/v1/", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["HTTPS://Registry.Example.com:5000/v2/", "registry.example.com:5000"],
    ["http://user@host.example.com/path", "host.example.com"],
    ["quay.io/team/app", "quay.io"],
  ])("normalizeRegistryHost(%j) = %j", (input, expected) => {
    expect(normalizeRegistryHost(input)).toBe(expected);
  });

  it("gives Docker's config key", () => {
    expect(dockerConfigKey("index.docker.io")).toBe("https://index.docker.io/v1/");
    expect(dockerConfigKey("localhost:5000")).toBe("localhost:5000");
  });
});
