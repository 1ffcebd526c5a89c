import { lstat, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CredentialError, UsageError } from "@stevedore/core";
import { describe, expect, it } from "vitest";
import { credentialFixturePerTest } from "../test-support/credential-fixture.js";
import { dockerConfigCredentials } from "./docker-config-credentials.js";
import { eraseDockerCredentials, storeDockerCredentials } from "./docker-credential-store.js";

const fixture = credentialFixturePerTest();

const readJson = async (path: string): Promise<Record<string, unknown>> =>
  JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;

describe("storeDockerCredentials", () => {
  it("creates config.json with mode 0600 and reads back through dockerConfigCredentials", async () => {
    const env = { ...fixture.env, DOCKER_CONFIG: join(fixture.root, "new-dir") };
    const result = await storeDockerCredentials({
      env,
      registry: "ghcr.io",
      username: "me",
      password: "pa:ss",
    });
    expect(result).toEqual({ file: join(fixture.root, "new-dir", "config.json"), changed: true });
    expect((await stat(result.file)).mode & 0o777).toBe(0o600);
    expect(await readJson(result.file)).toEqual({
      auths: { "ghcr.io": { auth: Buffer.from("me:pa:ss").toString("base64") } },
    });
    expect(await dockerConfigCredentials({ env }).get("ghcr.io")).toEqual({
      username: "me",
      password: "pa:ss",
    });
  });

  it("keeps other fields, replaces equivalent keys and stores Docker Hub under its config key", async () => {
    const path = await fixture.writeConfig({
      auths: { "docker.io": { auth: "b2xkOm9sZA==" }, "quay.io": { auth: "cTpx" } },
      psFormat: "table {{.ID}}",
    });
    await storeDockerCredentials({
      env: fixture.env,
      registry: "registry-1.docker.io",
      username: "hub",
      password: "new",
    });
    expect(await readJson(path)).toEqual({
      auths: {
        "quay.io": { auth: "cTpx" },
        "https://index.docker.io/v1/": { auth: Buffer.from("hub:new").toString("base64") },
      },
      psFormat: "table {{.ID}}",
    });
  });

  it("stores an identity token", async () => {
    const path = await fixture.writeConfig({});
    await storeDockerCredentials({
      env: fixture.env,
      registry: "ghcr.io",
      username: "me",
      identityToken: "id-token",
    });
    expect(await readJson(path)).toEqual({
      auths: { "ghcr.io": { auth: Buffer.from("me:").toString("base64"), identitytoken: "id-token" } },
    });
    expect(await dockerConfigCredentials({ env: fixture.env }).get("ghcr.io")).toEqual({
      username: "me",
      password: "",
      identityToken: "id-token",
    });
  });

  it("writes through a symlinked config.json to its target", async () => {
    const target = join(fixture.root, "real-config.json");
    await writeFile(target, "{}");
    await symlink(target, join(fixture.configDir, "config.json"));
    await storeDockerCredentials({ env: fixture.env, registry: "ghcr.io", username: "me", password: "pw" });
    expect((await lstat(join(fixture.configDir, "config.json"))).isSymbolicLink()).toBe(true);
    expect(Object.keys((await readJson(target)).auths as object)).toEqual(["ghcr.io"]);
  });

  it("stores through the configured helper and keeps a placeholder", async () => {
    const path = await fixture.writeConfig({ credsStore: "test" });
    const result = await storeDockerCredentials({
      env: fixture.env,
      registry: "docker.io",
      username: "hub",
      password: "pw",
    });
    expect(result).toEqual({ file: path, helper: "test", changed: true });
    expect(await readFile(fixture.log, "utf8")).toBe(
      'store {"ServerURL":"https://index.docker.io/v1/","Username":"hub","Secret":"pw"}\n',
    );
    expect(await readJson(path)).toEqual({
      credsStore: "test",
      auths: { "https://index.docker.io/v1/": {} },
    });
  });

  it("leaves a malformed config alone", async () => {
    const path = await fixture.writeConfig("{ not json");
    await expect(
      storeDockerCredentials({ env: fixture.env, registry: "ghcr.io", username: "me", password: "pw" }),
    ).rejects.toThrow(CredentialError);
    expect(await readFile(path, "utf8")).toBe("{ not json");
  });

  it("needs a username and password or an identity token", async () => {
    await expect(
      storeDockerCredentials({ env: fixture.env, registry: "ghcr.io", username: "me" }),
    ).rejects.toThrow(UsageError);
    await expect(
      storeDockerCredentials({ env: fixture.env, registry: "ghcr.io", username: "a:b", password: "pw" }),
    ).rejects.toThrow(UsageError);
  });
});

describe("eraseDockerCredentials", () => {
  it("removes every key of the registry from auths", async () => {
    const path = await fixture.writeConfig({
      auths: {
        "https://ghcr.io/v1/": { auth: "eDp5" },
        "ghcr.io": { auth: "eDp5" },
        "quay.io": { auth: "cTpx" },
      },
    });
    expect(await eraseDockerCredentials({ env: fixture.env, registry: "ghcr.io" })).toEqual({
      file: path,
      changed: true,
    });
    expect(await readJson(path)).toEqual({ auths: { "quay.io": { auth: "cTpx" } } });
    expect(await eraseDockerCredentials({ env: fixture.env, registry: "ghcr.io" })).toEqual({
      file: path,
      changed: false,
    });
  });

  it("erases through the registry's helper", async () => {
    const path = await fixture.writeConfig({
      credHelpers: { "helper.example.com": "test" },
      auths: { "helper.example.com": {} },
    });
    expect(await eraseDockerCredentials({ env: fixture.env, registry: "helper.example.com" })).toEqual({
      file: path,
      helper: "test",
      changed: true,
    });
    expect(await readFile(fixture.log, "utf8")).toBe("erase helper.example.com\n");
    expect(await readJson(path)).toEqual({ credHelpers: { "helper.example.com": "test" }, auths: {} });
  });

  it("does nothing when there is no config file", async () => {
    const result = await eraseDockerCredentials({ env: fixture.env, registry: "ghcr.io" });
    expect(result.changed).toBe(false);
    await expect(stat(result.file)).rejects.toThrow();
  });
});
