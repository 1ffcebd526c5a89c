import { existsSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { basicAuthorization, getManifest, seedImage } from "../../packages/testing/src/index.ts";
import { startRegistry } from "./start-registry.ts";

describe("registries from the global setup", () => {
  it("open: GET /v2/ answers 200 without credentials", async () => {
    const registry = inject("registryOpen");
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    expect(registry.host).toBe(new URL(registry.url).host);
  });

  it("htpasswd: 401 with a Basic challenge without credentials or with a wrong password, 200 for alice", async () => {
    const registry = inject("registryHtpasswd");
    expect(registry.users).toEqual({ alice: "alice-password", reader: "reader-password" });
    const anonymous = await fetch(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    const wrong = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: basicAuthorization("alice", "wrong") },
    });
    expect(wrong.status).toBe(401);
    const alice = await fetch(`${registry.url}/v2/`, {
      headers: { authorization: basicAuthorization("alice", "alice-password") },
    });
    expect(alice.status).toBe(200);
  });

  it("htpasswd: alice can seed an image with Basic auth and read it back", async () => {
    const registry = inject("registryHtpasswd");
    const target = {
      url: registry.url,
      repository: "basic/app",
      authorization: basicAuthorization("alice", "alice-password"),
    };
    const image = await seedImage(target, "v1");
    const fetched = await getManifest(target, "v1");
    expect(Buffer.from(fetched.bytes).equals(Buffer.from(image.manifest))).toBe(true);
    expect(fetched.digest).toBe(image.descriptor.digest);
  });

  it("token: GET /v2/ answers 401 with a Bearer challenge naming the token server", async () => {
    const registry = inject("registryToken");
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe(
      `Bearer realm="${registry.realm}",service="${registry.service}"`,
    );
  });
});

describe("startRegistry", () => {
  it("port 0 means a free port, as for stevedore serve --port 0", async () => {
    const registry = await startRegistry({ mode: "open", port: 0 });
    try {
      expect(registry.host).toMatch(/^127\.0\.0\.1:[1-9]\d*$/);
      expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
    } finally {
      await registry.stop();
    }
  });

  it("records each request from the access log with accessLog, and none after reset", async () => {
    const registry = await startRegistry({ mode: "open", accessLog: true });
    try {
      const log = registry.accessLog;
      if (log === undefined) throw new Error("no accessLog");
      // The start-up probe's line may still be on its way.
      await log.settle();
      log.reset();
      expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
      const missing = await fetch(`${registry.url}/v2/team/app/manifests/nope`, { method: "HEAD" });
      expect(missing.status).toBe(404);
      await log.settle();
      expect(log.requests).toEqual([
        { method: "GET", path: "/v2/", status: 200 },
        { method: "HEAD", path: "/v2/team/app/manifests/nope", status: 404 },
      ]);
      log.reset();
      expect(log.requests).toEqual([]);
      expect(
        await startRegistry({ mode: "open" }).then(async (plain) => {
          await plain.stop();
          return plain.accessLog;
        }),
      ).toBeUndefined();
    } finally {
      await registry.stop();
    }
  });

  it("stops the process and removes its folder", async () => {
    const registry = await startRegistry({ mode: "open" });
    await seedImage({ url: registry.url, repository: "lifecycle/app" }, "v1");
    expect(existsSync(registry.dir)).toBe(true);
    await registry.stop();
    await registry.stop();
    expect(existsSync(registry.dir)).toBe(false);
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
  });

  it("starts a token registry with its own users and token server, and stops both", async () => {
    const registry = await startRegistry({
      mode: "token",
      users: { bob: "bob-password" },
      tokenExpiresIn: 61,
    });
    try {
      expect(registry.users).toEqual({ bob: "bob-password" });
      const tokenServer = registry.tokenServer!;
      const answer = await fetch(`${tokenServer.url}?service=${tokenServer.service}`, {
        headers: { authorization: basicAuthorization("bob", "bob-password") },
      });
      expect(await answer.json()).toMatchObject({ expires_in: 61 });
    } finally {
      await registry.stop();
    }
    expect(existsSync(registry.tokenServer!.certificatePath)).toBe(false);
    await expect(fetch(registry.tokenServer!.url)).rejects.toThrow();
  });

  it("names the Debian package when docker-registry is missing", async () => {
    await expect(startRegistry({ mode: "open", command: "docker-registry-not-installed" })).rejects.toThrow(
      "install the Debian package docker-registry (apt-get install docker-registry)",
    );
  });

  it("reports the registry's own error when the requested port is taken", async () => {
    const port = Number(new URL(inject("registryOpen").url).port);
    await expect(startRegistry({ mode: "open", port })).rejects.toThrow(
      /exited before it was ready.*address already in use/s,
    );
  });

  it("rejects an unknown mode", async () => {
    await expect(startRegistry({ mode: "basic" as "open" })).rejects.toThrow(
      /mode must be open, htpasswd or token/,
    );
  });
});
