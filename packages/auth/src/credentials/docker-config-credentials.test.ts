import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CredentialError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { credentialFixturePerTest } from "../test-support/credential-fixture.js";
import { dockerConfigCredentials } from "./docker-config-credentials.js";
import { dockerConfigPath } from "./docker-config-path.js";

const b64 = (text: string): string => Buffer.from(text).toString("base64");

const fixture = credentialFixturePerTest();

describe("dockerConfigPath", () => {
  it("uses DOCKER_CONFIG, else ~/.docker", () => {
    expect(dockerConfigPath({ env: { DOCKER_CONFIG: "/etc/docker-cfg" } })).toBe(
      "/etc/docker-cfg/config.json",
    );
    expect(dockerConfigPath({ env: { HOME: "/home/me" } })).toBe("/home/me/.docker/config.json");
    expect(dockerConfigPath({ env: { HOME: "/home/me" }, homeDir: "/other" })).toBe(
      "/other/.docker/config.json",
    );
  });
});

describe("dockerConfigCredentials", () => {
  it("reads auths entries: auth, username/password, identitytoken, registrytoken", async () => {
    await fixture.writeConfig({
      auths: {
        "https://index.docker.io/v1/": { auth: b64("hubuser:hub:pass\0\0") },
        "https://ghcr.io/v1/": { auth: b64("me:"), identitytoken: "ghcr-identity" },
        "registry.example.com:5000": { registrytoken: "reg-token", email: "old@example.com" },
        "http://legacy.example.com": { username: "legacy", password: "legacy-pass" },
        "quay.io": {},
      },
    });
    const provider = dockerConfigCredentials({ env: fixture.env });
    expect(await provider.get("registry-1.docker.io")).toEqual({ username: "hubuser", password: "hub:pass" });
    expect(await provider.get("docker.io")).toEqual({ username: "hubuser", password: "hub:pass" });
    expect(await provider.get("ghcr.io")).toEqual({
      username: "me",
      password: "",
      identityToken: "ghcr-identity",
    });
    expect(await provider.get("registry.example.com:5000")).toEqual({ registryToken: "reg-token" });
    expect(await provider.get("legacy.example.com")).toEqual({ username: "legacy", password: "legacy-pass" });
    expect(await provider.get("quay.io")).toBeUndefined();
    expect(await provider.get("registry.example.com")).toBeUndefined();
  });

  it("prefers an exact key over a normalised one", async () => {
    await fixture.writeConfig({
      auths: {
        "https://h.example.com/v1/": { auth: b64("url:key") },
        "h.example.com": { auth: b64("exact:key") },
      },
    });
    expect(await dockerConfigCredentials({ env: fixture.env }).get("h.example.com")).toEqual({
      username: "exact",
      password: "key",
    });
  });

  it("treats a missing or empty file as no credentials", async () => {
    const provider = dockerConfigCredentials({ env: fixture.env });
    expect(await provider.get("ghcr.io")).toBeUndefined();
    await fixture.writeConfig("");
    expect(await provider.get("ghcr.io")).toBeUndefined();
  });

  it("reads ~/.docker/config.json without DOCKER_CONFIG", async () => {
    await mkdir(join(fixture.root, ".docker"));
    await writeFile(
      join(fixture.root, ".docker", "config.json"),
      JSON.stringify({ auths: { "ghcr.io": { auth: b64("a:b") } } }),
    );
    const provider = dockerConfigCredentials({ env: { PATH: fixture.env.PATH }, homeDir: fixture.root });
    expect(await provider.get("ghcr.io")).toEqual({ username: "a", password: "b" });
  });

  it("lets DOCKER_AUTH_CONFIG take priority over the file", async () => {
    await fixture.writeConfig({ auths: { "ghcr.io": { auth: b64("file:user") } } });
    const env = {
      ...fixture.env,
      DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "ghcr.io": { auth: b64("env:user") } } }),
    };
    const provider = dockerConfigCredentials({ env });
    expect(await provider.get("ghcr.io")).toEqual({ username: "env", password: "user" });
    await fixture.writeConfig({ auths: { "quay.io": { auth: b64("file:quay") } } });
    expect(await provider.get("quay.io")).toEqual({ username: "file", password: "quay" });
  });

  it("asks the registry's credHelpers entry, with PATH from env", async () => {
    await fixture.writeConfig({
      auths: { "helper.example.com": {} },
      credHelpers: {
        "helper.example.com": "test",
        "https://index.docker.io/v1/": "test",
        "missing.example.com": "test",
      },
    });
    const provider = dockerConfigCredentials({ env: fixture.env });
    expect(await provider.get("helper.example.com")).toEqual({
      username: "helper-user",
      password: "helper-pass",
    });
    // Docker Hub is asked for under its config key; Username <token> means an identity token.
    expect(await provider.get("registry-1.docker.io")).toEqual({ identityToken: "hub-identity" });
    // "credentials not found in native keychain" is anonymous, not an error.
    expect(await provider.get("missing.example.com")).toBeUndefined();
    // Hosts without a credHelpers entry and no credsStore use auths.
    expect(await provider.get("other.example.com")).toBeUndefined();
  });

  it("asks credsStore for every registry without a credHelpers entry", async () => {
    await fixture.writeConfig({
      auths: { "helper.example.com": { auth: b64("ignored:file") } },
      credsStore: "test",
    });
    const provider = dockerConfigCredentials({ env: fixture.env });
    expect(await provider.get("helper.example.com")).toEqual({
      username: "helper-user",
      password: "helper-pass",
    });
    expect(await provider.get("nothing.example.com")).toBeUndefined();
  });

  it("kills a helper that hangs and reports a CredentialError", async () => {
    await fixture.writeConfig({ credsStore: "test" });
    const provider = dockerConfigCredentials({ env: fixture.env, helperTimeout: 100 });
    await expect(provider.get("hang.example.com")).rejects.toThrow(
      new CredentialError("credential helper docker-credential-test get timed out after 100 ms"),
    );
  });

  it("reports failing, missing and junk-printing helpers as CredentialError", async () => {
    await fixture.writeConfig({ credsStore: "test", credHelpers: { "absent.example.com": "absent" } });
    const provider = dockerConfigCredentials({ env: fixture.env });
    await expect(provider.get("fail.example.com")).rejects.toThrow(
      "credential helper docker-credential-test get failed for fail.example.com (exit code 1)",
    );
    await expect(provider.get("junk.example.com")).rejects.toThrow(/printed something that is not JSON/);
    await expect(provider.get("absent.example.com")).rejects.toThrow(
      "credential helper docker-credential-absent was not found on PATH",
    );
  });

  it.each([
    ["not JSON", "{ auths: ", "not valid JSON"],
    ["an array", "[]", "not a JSON object"],
    ["auths not an object", '{"auths": "x"}', '"auths" is not an object'],
    [
      "auth not a string",
      '{"auths": {"ghcr.io": {"auth": 5}}}',
      '"auth" of the auths entry "ghcr.io" is not a string',
    ],
    ["auth not base64", '{"auths": {"ghcr.io": {"auth": "***"}}}', 'auth field of "ghcr.io" is not base64'],
    [
      "auth without colon",
      `{"auths": {"ghcr.io": {"auth": "${b64("nocolon")}"}}}`,
      "not base64 of username:password",
    ],
    ["empty username", `{"auths": {"ghcr.io": {"auth": "${b64(":pw")}"}}}`, "empty username"],
    ["bad credsStore", '{"credsStore": "../evil"}', '"credsStore" is not a credential helper name'],
    [
      "bad credHelpers",
      '{"credHelpers": {"ghcr.io": 3}}',
      'credHelpers entry "ghcr.io" is not a credential helper name',
    ],
  ])("reports a config file with %s as CredentialError naming the file", async (_name, text, reason) => {
    const path = await fixture.writeConfig(text);
    const error = await dockerConfigCredentials({ env: fixture.env })
      .get("ghcr.io")
      .catch((e: unknown) => e);
    expect(CredentialError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`malformed credentials file ${path}: `);
    expect((error as Error).message).toContain(reason);
  });

  it("reports an unreadable config path as CredentialError", async () => {
    await mkdir(join(fixture.configDir, "config.json"));
    await expect(dockerConfigCredentials({ env: fixture.env }).get("ghcr.io")).rejects.toThrow(
      /cannot read credentials file .*config\.json \(EISDIR\)/,
    );
  });
});
