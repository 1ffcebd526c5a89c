import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import {
  bearerAuthorization,
  fetchToken,
  getManifest,
  imageManifest,
  pushBlob,
  pushManifest,
  RawResponseError,
  readTokenRequests,
  seedImage,
} from "../../packages/testing/src/index.ts";

const registry = inject("registryToken");
const unique = (prefix: string) => `${prefix}/app-${randomUUID().slice(0, 8)}`;

function token(scopes: string[], username?: string) {
  return fetchToken({
    realm: registry.realm,
    service: registry.service,
    scopes,
    ...(username !== undefined && { username, password: registry.users[username] }),
  });
}

async function seed(repository: string, tag = "v1") {
  const alice = await token([`repository:${repository}:pull,push`], "alice");
  const target = { url: registry.url, repository, authorization: bearerAuthorization(alice.token) };
  return seedImage(target, tag);
}

async function postOAuth(form: Record<string, string>) {
  const response = await fetch(registry.realm, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ service: registry.service, ...form }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe("token-auth registry", () => {
  it("lets alice push a blob and a manifest to team/app and read both back exactly", async () => {
    const { token: pushToken } = await token(["repository:team/app:pull,push"], "alice");
    const target = {
      url: registry.url,
      repository: "team/app",
      authorization: bearerAuthorization(pushToken),
    };
    const blob = randomBytes(1000);
    const descriptor = await pushBlob(target, blob, "application/vnd.oci.image.layer.v1.tar");
    const manifest = imageManifest({ ...descriptor, mediaType: "application/vnd.oci.image.config.v1+json" }, [
      descriptor,
    ]);
    const pushed = await pushManifest(
      target,
      "latest",
      manifest,
      "application/vnd.oci.image.manifest.v1+json",
    );

    const fetched = await getManifest(target, "latest");
    expect(Buffer.from(fetched.bytes).equals(Buffer.from(manifest))).toBe(true);
    expect(fetched.digest).toBe(pushed.digest);
    expect(fetched.mediaType).toBe("application/vnd.oci.image.manifest.v1+json");
    const blobResponse = await fetch(`${registry.url}/v2/team/app/blobs/${descriptor.digest}`, {
      headers: { authorization: bearerAuthorization(pushToken) },
    });
    expect(Buffer.from(await blobResponse.arrayBuffer()).equals(blob)).toBe(true);
    expect(blobResponse.headers.get("docker-content-digest")).toBe(descriptor.digest);
  });

  it("refuses a request without a token, and one whose token lacks the repository", async () => {
    const repository = unique("team");
    const image = await seed(repository);
    const anonymous = await fetch(`${registry.url}/v2/${repository}/manifests/v1`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toContain(`scope="repository:${repository}:pull"`);
    const { token: otherToken } = await token(["repository:team/other:pull"], "alice");
    const other = await fetch(`${registry.url}/v2/${repository}/manifests/${image.descriptor.digest}`, {
      headers: { authorization: bearerAuthorization(otherToken) },
    });
    expect(other.status).toBe(401);
  });

  it("lets reader pull team repositories but the registry refuses its push", async () => {
    const repository = unique("team");
    const image = await seed(repository);
    const { token: readerToken } = await token([`repository:${repository}:pull,push`], "reader");
    const target = { url: registry.url, repository, authorization: bearerAuthorization(readerToken) };
    expect((await getManifest(target, "v1")).digest).toBe(image.descriptor.digest);

    const error = await pushBlob(target, randomBytes(10)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RawResponseError);
    const { status, body } = error as RawResponseError;
    expect([401, 403]).toContain(status);
    const codes = (JSON.parse(body) as { errors: { code: string }[] }).errors.map((entry) => entry.code);
    expect(codes.some((code) => code === "DENIED" || code === "UNAUTHORIZED")).toBe(true);
  });

  it("serves public repositories to anonymous callers after alice pushed there, but not pushes", async () => {
    const repository = unique("public");
    const image = await seed(repository, "stable");
    const anonymous = await token([`repository:${repository}:pull,push`]);
    const target = { url: registry.url, repository, authorization: bearerAuthorization(anonymous.token) };
    const fetched = await getManifest(target, "stable");
    expect(Buffer.from(fetched.bytes).equals(Buffer.from(image.manifest))).toBe(true);
    await expect(pushBlob(target, randomBytes(10))).rejects.toMatchObject({ status: 401 });
  });

  it("lets alice list the catalog and delete a manifest", async () => {
    const repository = unique("team");
    const image = await seed(repository);
    const { token: catalogToken } = await token(["registry:catalog:*"], "alice");
    const catalog = await fetch(`${registry.url}/v2/_catalog?n=1000`, {
      headers: { authorization: bearerAuthorization(catalogToken) },
    });
    expect(((await catalog.json()) as { repositories: string[] }).repositories).toContain(repository);

    const { token: deleteToken } = await token([`repository:${repository}:pull,delete`], "alice");
    const deleted = await fetch(`${registry.url}/v2/${repository}/manifests/${image.descriptor.digest}`, {
      method: "DELETE",
      headers: { authorization: bearerAuthorization(deleteToken) },
    });
    expect(deleted.status).toBe(202);
  });

  it("answers a wrong password with 401 from the token server", async () => {
    const attempt = fetchToken({
      realm: registry.realm,
      service: registry.service,
      scopes: ["repository:team/app:pull"],
      username: "alice",
      password: "not-alice-password",
    });
    await expect(attempt).rejects.toMatchObject({ status: 401 });
  });

  it("issues working tokens through the OAuth2 POST flow and its refresh token", async () => {
    const repository = unique("team");
    const image = await seed(repository);
    const login = await postOAuth({
      grant_type: "password",
      username: "reader",
      password: "reader-password",
      client_id: "stevedore-tests",
      access_type: "offline",
      scope: `repository:${repository}:pull`,
    });
    expect(login.status).toBe(200);
    const refreshToken = login.body.refresh_token!;
    const refreshed = await postOAuth({
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      client_id: "stevedore-tests",
      scope: `repository:${repository}:pull`,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBe(refreshToken);
    for (const accessToken of [login.body.access_token!, refreshed.body.access_token!]) {
      const target = { url: registry.url, repository, authorization: bearerAuthorization(accessToken) };
      expect((await getManifest(target, "v1")).digest).toBe(image.descriptor.digest);
    }
    const withoutClient = await postOAuth({ grant_type: "refresh_token", refresh_token: refreshToken });
    expect(withoutClient.status).toBe(400);
  });

  it("records the token requests it answered", async () => {
    const repository = unique("team");
    const scope = `repository:${repository}:pull`;
    await token([scope], "alice");
    await token([scope, "repository:team/other:pull"]);
    await fetchToken({
      realm: registry.realm,
      service: registry.service,
      scopes: [scope],
      username: "reader",
      password: "wrong",
    }).catch(() => undefined);
    const mine = (await readTokenRequests(registry.realm)).filter((record) => record.scopes.includes(scope));
    expect(mine).toEqual([
      { method: "GET", account: "alice", scopes: [scope], offline: false, status: 200 },
      { method: "GET", scopes: [scope, "repository:team/other:pull"], offline: false, status: 200 },
      { method: "GET", account: "reader", scopes: [scope], offline: false, status: 401 },
    ]);
  });
});
