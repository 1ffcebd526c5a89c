import { afterEach, describe, expect, it } from "vitest";
import { createRegistryServer, type RegistryServer } from "./create-registry-server.js";
import { randomBlob, testClient, testImage } from "./test-support/registry-client.js";

// `htpasswd -nbB -C 5 alice s3cret`
const htpasswd = "alice:$2y$05$GSbDqIN8xfeBh4XUlrF3/eic4Rsmza5m9Vt8hrDZcBGeZfU5YQTFi\n";
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

let server: RegistryServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("Basic auth", () => {
  it("answers 401 with a Basic challenge until the htpasswd password is given", async () => {
    server = createRegistryServer({ auth: { type: "basic", htpasswd } });
    const { url } = await server.listen();
    const anonymous = await testClient(url).request("GET", "/v2/");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="stevedore"');
    expect((await anonymous.json()).errors[0]?.code).toBe("UNAUTHORIZED");
    const wrong = await testClient(url, { Authorization: basic("alice", "nope") }).request("GET", "/v2/");
    expect(wrong.status).toBe(401);
    const client = testClient(url, { Authorization: basic("alice", "s3cret") });
    expect((await client.request("GET", "/v2/")).status).toBe(200);
    const image = testImage();
    await client.pushBlob("team/app", image.config);
    expect((await client.putManifest("team/app", "v1", image.manifest)).status).toBe(201);
  });
});

describe("token auth", () => {
  const start = async (policy?: (account: string | undefined, scope: { name: string }) => string[]) => {
    server = createRegistryServer({
      auth: { type: "token", users: { alice: "s3cret" }, ...(policy === undefined ? {} : { policy }) },
    });
    return (await server.listen()).url;
  };
  const token = async (url: string, scopes: string[], authorization?: string) => {
    const query = new URLSearchParams([
      ["service", "stevedore"],
      ...scopes.map((scope): [string, string] => ["scope", scope]),
    ]);
    const response = await fetch(`${url}/token?${query}`, {
      headers: authorization === undefined ? {} : { Authorization: authorization },
    });
    return {
      status: response.status,
      body: (await response.json()) as { token: string; access_token: string; scope: string },
    };
  };

  it("puts the needed scope in every challenge (none on the ping)", async () => {
    const url = await start();
    const client = testClient(url);
    const ping = await client.request("GET", "/v2/");
    expect(ping.status).toBe(401);
    expect(ping.headers.get("www-authenticate")).toBe(`Bearer realm="${url}/token",service="stevedore"`);
    const pull = await client.request("GET", "/v2/team/app/manifests/latest");
    expect(pull.headers.get("www-authenticate")).toContain('scope="repository:team/app:pull"');
    const push = await client.request("POST", "/v2/team/app/blobs/uploads/");
    expect(push.headers.get("www-authenticate")).toContain('scope="repository:team/app:pull,push"');
    const mount = await client.request(
      "POST",
      `/v2/team/app/blobs/uploads/?mount=${randomBlob(4).digest}&from=team/base`,
    );
    expect(mount.headers.get("www-authenticate")).toContain(
      'scope="repository:team/app:pull,push repository:team/base:pull"',
    );
    const catalog = await client.request("GET", "/v2/_catalog");
    expect(catalog.headers.get("www-authenticate")).toContain('scope="registry:catalog:*"');
    const remove = await client.request("DELETE", `/v2/team/app/manifests/latest`);
    expect(remove.headers.get("www-authenticate")).toContain('scope="repository:team/app:delete"');
  });

  it("issues tokens for known users; a token covers only its scopes", async () => {
    const url = await start();
    expect((await token(url, ["repository:team/app:pull"], basic("alice", "wrong"))).status).toBe(401);
    const issued = await token(url, ["repository:team/app:pull,push"], basic("alice", "s3cret"));
    expect(issued.status).toBe(200);
    expect(issued.body.access_token).toBe(issued.body.token);
    expect(issued.body.scope).toBe("repository:team/app:pull,push");
    const client = testClient(url, { Authorization: `Bearer ${issued.body.token}` });
    const image = testImage();
    await client.pushBlob("team/app", image.config);
    expect((await client.putManifest("team/app", "v1", image.manifest)).status).toBe(201);
    expect((await client.request("GET", "/v2/team/app/manifests/v1")).status).toBe(200);
    const other = await client.request("GET", "/v2/team/other/manifests/v1");
    expect(other.status).toBe(401);
    expect(other.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    const forged = await testClient(url, { Authorization: "Bearer forged" }).request("GET", "/v2/");
    expect(forged.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("applies the policy: anonymous pulls of a public repository, nothing more", async () => {
    const url = await start((account, scope) =>
      account === undefined ? (scope.name.startsWith("public/") ? ["pull"] : []) : ["*"],
    );
    const anonymous = await token(url, ["repository:public/app:pull,push", "repository:private/app:pull"]);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.scope).toBe("repository:public/app:pull");
    const client = testClient(url, { Authorization: `Bearer ${anonymous.body.token}` });
    expect((await client.request("GET", "/v2/public/app/tags/list")).status).toBe(404);
    expect((await client.request("POST", "/v2/public/app/blobs/uploads/")).status).toBe(401);
    expect((await client.request("GET", "/v2/private/app/tags/list")).status).toBe(401);
  });

  it("expires tokens by the injected clock", async () => {
    let now = 1_000_000;
    server = createRegistryServer({
      auth: { type: "token", users: { alice: "s3cret" }, expiresInSeconds: 60 },
      now: () => now,
    });
    const { url } = await server.listen();
    const issued = await token(url, [], basic("alice", "s3cret"));
    const client = testClient(url, { Authorization: `Bearer ${issued.body.token}` });
    expect((await client.request("GET", "/v2/")).status).toBe(200);
    now += 61_000;
    expect((await client.request("GET", "/v2/")).status).toBe(401);
  });

  it("takes several scopes space-separated in one scope= (as the OCI conformance client asks), and a cross-repository mount works with that token", async () => {
    const url = await start();
    const image = testImage();
    const seed = await token(url, ["repository:team/base:pull,push"], basic("alice", "s3cret"));
    await testClient(url, { Authorization: `Bearer ${seed.body.token}` }).pushBlob("team/base", image.config);

    const issued = await token(
      url,
      ["repository:team/app:pull,push repository:team/base:pull", "repository:team/other:pull"],
      basic("alice", "s3cret"),
    );
    expect(issued.status).toBe(200);
    expect(issued.body.scope).toBe(
      "repository:team/app:pull,push repository:team/base:pull repository:team/other:pull",
    );
    const client = testClient(url, { Authorization: `Bearer ${issued.body.token}` });
    const mount = await client.request(
      "POST",
      `/v2/team/app/blobs/uploads/?mount=${image.config.digest}&from=team/base`,
    );
    expect(mount.status).toBe(201);
    expect((await client.request("GET", `/v2/team/other/tags/list`)).status).toBe(404);
  });

  it.each(["..", "Team/App", "", "a//b", "a/../b"])(
    "answers a mount from %j with 400 NAME_INVALID, never 500",
    async (from) => {
      const url = await start();
      const issued = await token(url, ["repository:team/app:pull,push"], basic("alice", "s3cret"));
      const withToken: Record<string, string> = { Authorization: `Bearer ${issued.body.token}` };
      for (const headers of [withToken, {}]) {
        const response = await testClient(url, headers).request(
          "POST",
          `/v2/team/app/blobs/uploads/?mount=${randomBlob(4).digest}&from=${encodeURIComponent(from)}`,
        );
        expect(response.status).toBe(400);
        expect((await response.json()).errors[0]?.code).toBe("NAME_INVALID");
      }
    },
  );

  it("accepts the OAuth2 password grant on POST", async () => {
    const url = await start();
    const form = new URLSearchParams({
      grant_type: "password",
      username: "alice",
      password: "s3cret",
      service: "stevedore",
      client_id: "test",
      scope: "repository:a:pull",
    });
    const response = await fetch(`${url}/token`, { method: "POST", body: form });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { scope: string }).scope).toBe("repository:a:pull");
    form.set("password", "bad");
    expect((await fetch(`${url}/token`, { method: "POST", body: form })).status).toBe(401);
  });

  it("never writes passwords or tokens into the log", async () => {
    const lines: string[] = [];
    server = createRegistryServer({
      auth: { type: "token", users: { alice: "s3cret" } },
      log: (line) => lines.push(line),
    });
    const { url } = await server.listen();
    const issued = await token(url, ["repository:a:pull"], basic("alice", "s3cret"));
    await testClient(url, { Authorization: `Bearer ${issued.body.token}` }).request("GET", "/v2/a/tags/list");
    expect(lines.length).toBe(2);
    expect(lines.join("\n")).not.toContain("s3cret");
    expect(lines.join("\n")).not.toContain(issued.body.token);
    expect(lines[1]).toBe("GET /v2/a/tags/list 404");
  });
});
