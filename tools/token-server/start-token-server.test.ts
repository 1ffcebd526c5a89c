import { verify, X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { defaultUsers } from "./default-policy.ts";
import { type RunningTokenServer, startTokenServer } from "./start-token-server.ts";

let server: RunningTokenServer;

beforeAll(async () => {
  server = await startTokenServer({ users: { ...defaultUsers }, expiresIn: 90 });
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  server.reset();
});

const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

async function get(scopes: string[], authorization?: string, extra: Record<string, string> = {}) {
  const url = new URL(server.url);
  url.searchParams.set("service", server.service);
  for (const scope of scopes) url.searchParams.append("scope", scope);
  for (const [key, value] of Object.entries(extra)) url.searchParams.set(key, value);
  const response = await fetch(url, authorization === undefined ? {} : { headers: { authorization } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function post(form: Record<string, string>) {
  const response = await fetch(server.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function decode(token: unknown) {
  const [header, payload, signature] = String(token).split(".");
  return {
    header: JSON.parse(Buffer.from(header!, "base64url").toString()),
    claims: JSON.parse(Buffer.from(payload!, "base64url").toString()),
    signingInput: `${header}.${payload}`,
    signature: Buffer.from(signature!, "base64url"),
  };
}

describe("startTokenServer tokens", () => {
  it("signs ES256 JWTs with raw r||s that the certificate in x5c verifies", async () => {
    const { status, body } = await get(["repository:team/app:pull"], basic("alice", "alice-password"));
    expect(status).toBe(200);
    const jwt = decode(body.token);
    const certificate = new X509Certificate(readFileSync(server.certificatePath));
    expect(jwt.header).toEqual({ alg: "ES256", typ: "JWT", x5c: [certificate.raw.toString("base64")] });
    expect(jwt.signature).toHaveLength(64);
    const valid = verify(
      "sha256",
      Buffer.from(jwt.signingInput),
      { key: certificate.publicKey, dsaEncoding: "ieee-p1363" },
      jwt.signature,
    );
    expect(valid).toBe(true);
  });

  it("puts issuer, service, subject, lifetime and granted access in the claims", async () => {
    const { body } = await get(["repository:team/app:pull,push"], basic("alice", "alice-password"));
    const { claims } = decode(body.access_token);
    expect(body.token).toBe(body.access_token);
    expect(body.expires_in).toBe(90);
    expect(Date.parse(String(body.issued_at)) / 1000).toBeCloseTo(claims.iat, -1);
    expect(claims).toMatchObject({
      iss: server.issuer,
      aud: server.service,
      sub: "alice",
      access: [{ type: "repository", name: "team/app", actions: ["pull", "push"] }],
    });
    expect(claims.exp - claims.iat).toBe(90);
    expect(claims.nbf).toBeLessThanOrEqual(claims.iat);
    expect(typeof claims.jti).toBe("string");
  });

  it("grants the intersection of requested and allowed actions, and merges repeated scopes", async () => {
    const reader = await get(
      ["repository:team/app:pull,push", "repository:team/app:delete", "repository:team/other:pull"],
      basic("reader", "reader-password"),
    );
    expect(decode(reader.body.token).claims.access).toEqual([
      { type: "repository", name: "team/app", actions: ["pull"] },
      { type: "repository", name: "team/other", actions: ["pull"] },
    ]);
    expect(reader.body.scope).toBe("repository:team/app:pull repository:team/other:pull");
  });

  it("gives anonymous callers public pulls only, with an empty subject", async () => {
    const { status, body } = await get(["repository:public/app:pull,push", "repository:team/app:pull"]);
    expect(status).toBe(200);
    const { claims } = decode(body.token);
    expect(claims.sub).toBe("");
    expect(claims.access).toEqual([{ type: "repository", name: "public/app", actions: ["pull"] }]);
  });

  it("answers unknown and malformed scopes with a token granting nothing", async () => {
    const { status, body } = await get(
      ["repository:elsewhere/app:pull", "nonsense", "registry:catalog:*"],
      basic("reader", "reader-password"),
    );
    expect(status).toBe(200);
    expect(decode(body.token).claims.access).toEqual([]);
  });

  it("lets alice list the catalog", async () => {
    const { body } = await get(["registry:catalog:*"], basic("alice", "alice-password"));
    expect(decode(body.token).claims.access).toEqual([{ type: "registry", name: "catalog", actions: ["*"] }]);
  });

  it("refuses a wrong password or an unknown user with 401 and a JSON error", async () => {
    for (const authorization of [basic("alice", "wrong"), basic("mallory", "alice-password"), "Bearer abc"]) {
      const { status, body } = await get(["repository:team/app:pull"], authorization);
      expect(status).toBe(401);
      expect(body).toEqual({ errors: [{ code: "UNAUTHORIZED", message: expect.any(String) }] });
      expect(JSON.stringify(body)).not.toContain("alice-password");
    }
  });

  it("refuses another service's token request", async () => {
    const url = `${server.url}?service=other-registry&scope=repository:public/app:pull`;
    expect((await fetch(url)).status).toBe(400);
  });

  it("returns a refresh token on GET with offline_token=true", async () => {
    const { body } = await get(["repository:team/app:pull"], basic("alice", "alice-password"), {
      offline_token: "true",
      client_id: "tests",
    });
    expect(body.refresh_token).toEqual(expect.any(String));
    const refreshed = await post({
      grant_type: "refresh_token",
      refresh_token: String(body.refresh_token),
      client_id: "tests",
      service: server.service,
    });
    expect(refreshed.status).toBe(200);
  });
});

describe("startTokenServer OAuth2 POST", () => {
  it("grants a password login, with a refresh token only when access_type=offline", async () => {
    const online = await post({
      grant_type: "password",
      username: "alice",
      password: "alice-password",
      client_id: "tests",
      service: server.service,
      scope: "repository:team/app:pull repository:public/app:push",
    });
    expect(online.status).toBe(200);
    expect(online.body.refresh_token).toBeUndefined();
    expect(decode(online.body.access_token).claims.access).toEqual([
      { type: "repository", name: "team/app", actions: ["pull"] },
      { type: "repository", name: "public/app", actions: ["push"] },
    ]);
    const offline = await post({
      grant_type: "password",
      username: "alice",
      password: "alice-password",
      client_id: "tests",
      access_type: "offline",
    });
    expect(offline.body.refresh_token).toEqual(expect.any(String));
  });

  it("exchanges a refresh token for an access token and returns the same refresh token", async () => {
    const login = await post({
      grant_type: "password",
      username: "reader",
      password: "reader-password",
      client_id: "tests",
      access_type: "offline",
    });
    const refresh = String(login.body.refresh_token);
    const exchanged = await post({
      grant_type: "refresh_token",
      refresh_token: refresh,
      client_id: "tests",
      scope: "repository:team/app:pull,push",
    });
    expect(exchanged.status).toBe(200);
    expect(exchanged.body.refresh_token).toBe(refresh);
    const { claims } = decode(exchanged.body.access_token);
    expect(claims.sub).toBe("reader");
    expect(claims.access).toEqual([{ type: "repository", name: "team/app", actions: ["pull"] }]);
  });

  it.each([
    [{ grant_type: "password", username: "alice", password: "alice-password" }, 400, "invalid_request"],
    [{ grant_type: "password", username: "alice", password: "nope", client_id: "t" }, 401, "invalid_grant"],
    [{ grant_type: "refresh_token", refresh_token: "made-up", client_id: "t" }, 401, "invalid_grant"],
    [{ grant_type: "client_credentials", client_id: "t" }, 400, "unsupported_grant_type"],
  ])("answers %o with %i %s", async (form, status, error) => {
    const answer = await post(form);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toBe(error);
  });

  it("wants a form body", async () => {
    const response = await fetch(server.url, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(400);
  });
});

describe("startTokenServer bookkeeping", () => {
  it("records every token request, serves them at /requests and forgets them on reset", async () => {
    await get(["repository:team/app:pull"], basic("alice", "alice-password"));
    await get(["repository:public/app:pull"]);
    await get([], basic("alice", "wrong"));
    await post({ grant_type: "password", username: "reader", password: "reader-password", client_id: "c" });
    const expected = [
      { method: "GET", account: "alice", scopes: ["repository:team/app:pull"], offline: false, status: 200 },
      { method: "GET", scopes: ["repository:public/app:pull"], offline: false, status: 200 },
      { method: "GET", account: "alice", scopes: [], offline: false, status: 401 },
      {
        method: "POST",
        account: "reader",
        scopes: [],
        grantType: "password",
        clientId: "c",
        offline: false,
        status: 200,
      },
    ];
    expect(server.requests).toMatchObject(expected);
    expect(server.requests[1]?.account).toBeUndefined();
    const served = await (await fetch(new URL("/requests", server.url))).json();
    expect(served).toMatchObject(expected);
    expect((await fetch(new URL("/requests", server.url), { method: "DELETE" })).status).toBe(204);
    expect(server.requests).toEqual([]);
    await get(["repository:public/app:pull"]);
    server.reset();
    expect(server.requests).toEqual([]);
  });

  it("answers 404 elsewhere and 405 for other methods", async () => {
    expect((await fetch(new URL("/v2/", server.url))).status).toBe(404);
    const put = await fetch(server.url, { method: "PUT" });
    expect(put.status).toBe(405);
    expect(put.headers.get("allow")).toBe("GET, POST");
  });

  it("removes its key and certificate when stopped, and stop can be called twice", async () => {
    const other = await startTokenServer({ users: {} });
    expect(existsSync(other.certificatePath)).toBe(true);
    await other.stop();
    await other.stop();
    expect(existsSync(other.certificatePath)).toBe(false);
    await expect(fetch(other.url)).rejects.toThrow();
  });

  it("rejects a lifetime that is not a positive whole number of seconds", async () => {
    await expect(startTokenServer({ users: {}, expiresIn: 0 })).rejects.toThrow(/expiresIn/);
  });
});
