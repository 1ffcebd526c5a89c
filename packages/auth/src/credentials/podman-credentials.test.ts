import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { credentialFixturePerTest } from "../test-support/credential-fixture.js";
import { podmanAuthFilePaths, podmanCredentials } from "./podman-credentials.js";

const b64 = (text: string): string => Buffer.from(text).toString("base64");

const fixture = credentialFixturePerTest();

async function writeAuth(path: string, auths: Record<string, unknown>): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFile(path, JSON.stringify({ auths }));
}

describe("podmanAuthFilePaths", () => {
  it("uses REGISTRY_AUTH_FILE alone, else the runtime then the config file", () => {
    expect(
      podmanAuthFilePaths({ env: { REGISTRY_AUTH_FILE: "/x/auth.json", XDG_RUNTIME_DIR: "/run/user/1" } }),
    ).toEqual(["/x/auth.json"]);
    expect(podmanAuthFilePaths({ env: { XDG_RUNTIME_DIR: "/run/user/1", HOME: "/home/me" } })).toEqual([
      "/run/user/1/containers/auth.json",
      "/home/me/.config/containers/auth.json",
    ]);
    expect(podmanAuthFilePaths({ env: { XDG_CONFIG_HOME: "/cfg" }, homeDir: "/home/me" })).toEqual([
      "/cfg/containers/auth.json",
    ]);
  });
});

describe("podmanCredentials", () => {
  it("reads REGISTRY_AUTH_FILE", async () => {
    const file = join(fixture.root, "custom.json");
    await writeAuth(file, { "docker.io": { auth: b64("hub:pw") } });
    const provider = podmanCredentials({ env: { REGISTRY_AUTH_FILE: file } });
    expect(await provider.get("registry-1.docker.io")).toEqual({ username: "hub", password: "pw" });
  });

  it("takes the first file with an answer: runtime dir, then ~/.config", async () => {
    const runtime = join(fixture.root, "run");
    await writeAuth(join(runtime, "containers", "auth.json"), { "quay.io": { auth: b64("runtime:quay") } });
    await writeAuth(join(fixture.root, ".config", "containers", "auth.json"), {
      "quay.io": { auth: b64("config:quay") },
      "ghcr.io": { auth: b64("config:ghcr") },
      "ghcr.io/team/app": { auth: b64("repository:only") },
    });
    const provider = podmanCredentials({ env: { XDG_RUNTIME_DIR: runtime }, homeDir: fixture.root });
    expect(await provider.get("quay.io")).toEqual({ username: "runtime", password: "quay" });
    expect(await provider.get("ghcr.io")).toEqual({ username: "config", password: "ghcr" });
    expect(await provider.get("example.com")).toBeUndefined();
  });

  it("skips entries for a single repository", async () => {
    const file = join(fixture.root, "auth.json");
    await writeAuth(file, { "ghcr.io/team/app": { auth: b64("repository:only") } });
    expect(await podmanCredentials({ env: { REGISTRY_AUTH_FILE: file } }).get("ghcr.io")).toBeUndefined();
  });

  it("asks credHelpers with PATH from env", async () => {
    const file = join(fixture.root, "auth.json");
    await writeFile(file, JSON.stringify({ credHelpers: { "helper.example.com": "test" } }));
    const provider = podmanCredentials({ env: { ...fixture.env, REGISTRY_AUTH_FILE: file } });
    expect(await provider.get("helper.example.com")).toEqual({
      username: "helper-user",
      password: "helper-pass",
    });
  });
});
