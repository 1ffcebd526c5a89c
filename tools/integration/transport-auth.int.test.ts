// Transport and auth together against the real distribution registry in its three modes (issue 3):
// ping, an authenticated manifest GET after a push made by the test, wrong passwords, anonymous pulls in
// token mode, and a push refused for a read-only user.

import { createAuth, staticCredentials } from "@stevedore/auth";
import type { Credentials, Scope } from "@stevedore/core";
import { AuthenticationError, RegistryResponseError, StevedoreError } from "@stevedore/core";
import { createTransport, type Transport } from "@stevedore/transport";
import { afterEach, describe, expect, inject, it } from "vitest";
import {
  basicAuthorization,
  bearerAuthorization,
  fetchToken,
  seedImage,
  uniqueName,
} from "../../packages/testing/src/index.ts";
import type { ProvidedRegistry } from "../registry/provided-registry.ts";

const manifestAccept = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

const transports: Transport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.close()));
});

function clientFor(registry: ProvidedRegistry, credentials?: Credentials): Transport {
  const auth = createAuth(
    credentials === undefined ? {} : { credentials: staticCredentials({ [registry.host]: credentials }) },
  );
  const transport = createTransport({ auth, retry: { maxRetries: 0 } });
  transports.push(transport);
  return transport;
}

function pull(repository: string): Scope[] {
  return [{ type: "repository", name: repository, actions: ["pull"] }];
}

/** An `Authorization` value for seeding `repository` with raw HTTP, in the registry's own scheme. */
async function seedAuthorization(
  registry: ProvidedRegistry,
  repository: string,
): Promise<string | undefined> {
  if (registry.mode === "open") return undefined;
  if (registry.mode === "htpasswd") return basicAuthorization("alice", "alice-password");
  const token = registry as ProvidedRegistry & { realm: string; service: string };
  const response = await fetchToken({
    realm: token.realm,
    service: token.service,
    scopes: [`repository:${repository}:pull,push`],
    username: "alice",
    password: "alice-password",
  });
  return bearerAuthorization(response.token);
}

async function getManifest(
  transport: Transport,
  registry: ProvidedRegistry,
  repository: string,
  tag: string,
) {
  const response = await transport.send({
    method: "GET",
    url: new URL(`/v2/${repository}/manifests/${tag}`, registry.url),
    headers: { accept: manifestAccept },
    scopes: pull(repository),
  });
  return { digest: response.headers["docker-content-digest"], bytes: await response.bytes(4 * 1024 * 1024) };
}

describe.each(["registryOpen", "registryHtpasswd", "registryToken"] as const)(
  "distribution 2.8 (%s)",
  (key) => {
    const registry = inject(key);
    const alice: Credentials = { username: "alice", password: "alice-password" };

    it("answers the ping", async () => {
      const transport = clientFor(registry, registry.mode === "open" ? undefined : alice);
      const response = await transport.send({ method: "GET", url: new URL("/v2/", registry.url) });
      expect(response.status).toBe(200);
      await response.dump();
    });

    it("serves the exact manifest bytes the test pushed", async () => {
      const repository = uniqueName("team", "it");
      const image = await seedImage(
        { url: registry.url, repository, authorization: await seedAuthorization(registry, repository) },
        "v1",
      );
      const transport = clientFor(registry, registry.mode === "open" ? undefined : alice);
      const manifest = await getManifest(transport, registry, repository, "v1");
      expect(Buffer.from(manifest.bytes).equals(Buffer.from(image.manifest))).toBe(true);
      expect(manifest.digest).toBe(image.descriptor.digest);
    });
  },
);

describe.each(["registryHtpasswd", "registryToken"] as const)("distribution 2.8 (%s) refusals", (key) => {
  const registry = inject(key);

  it("reports a wrong password as an AuthenticationError naming the registry", async () => {
    const transport = clientFor(registry, { username: "alice", password: "not-the-password" });
    const failure = await transport
      .send({ method: "GET", url: new URL("/v2/team/app/tags/list", registry.url), scopes: pull("team/app") })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(AuthenticationError.isInstance(failure), String(failure)).toBe(true);
    expect((failure as AuthenticationError).registry).toBe(registry.host);
    expect(String(failure)).toContain(registry.host);
    expect(String(failure)).not.toContain("not-the-password");
  });
});

describe("distribution 2.8 (token mode) per-user and anonymous access", () => {
  const registry = inject("registryToken");

  // Token mode only: htpasswd gives every valid user every action (distribution has no per-user ACL there).
  it("refuses a push by the read-only user with the registry's own error code", async () => {
    const repository = uniqueName("team", "it");
    await seedImage(
      { url: registry.url, repository, authorization: await seedAuthorization(registry, repository) },
      "v1",
    );
    const transport = clientFor(registry, { username: "reader", password: "reader-password" });
    // The reader can pull …
    expect((await getManifest(transport, registry, repository, "v1")).bytes.length).toBeGreaterThan(0);
    // … but starting an upload is refused.
    const failure = await transport
      .send({
        method: "POST",
        url: new URL(`/v2/${repository}/blobs/uploads/`, registry.url),
        headers: { "content-length": "0" },
        body: new Uint8Array(0),
        scopes: [{ type: "repository", name: repository, actions: ["pull", "push"] }],
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(StevedoreError.isInstance(failure)).toBe(true);
    const response = RegistryResponseError.isInstance(failure)
      ? failure
      : ((failure as StevedoreError).cause as RegistryResponseError);
    expect([401, 403]).toContain(response.status);
    expect(
      response.errors.map((e) => e.code).some((code) => code === "DENIED" || code === "UNAUTHORIZED"),
    ).toBe(true);
  });

  it("pulls public/* without credentials", async () => {
    const repository = uniqueName("public", "it");
    const image = await seedImage(
      { url: registry.url, repository, authorization: await seedAuthorization(registry, repository) },
      "latest",
    );
    const transport = clientFor(registry);
    const manifest = await getManifest(transport, registry, repository, "latest");
    expect(manifest.digest).toBe(image.descriptor.digest);
  });

  it("refuses team/* without credentials", async () => {
    const repository = uniqueName("team", "it");
    await seedImage(
      { url: registry.url, repository, authorization: await seedAuthorization(registry, repository) },
      "latest",
    );
    const transport = clientFor(registry);
    await expect(getManifest(transport, registry, repository, "latest")).rejects.toSatisfy(
      (error: unknown) => StevedoreError.isInstance(error) && !String(error).includes("password"),
    );
  });
});
