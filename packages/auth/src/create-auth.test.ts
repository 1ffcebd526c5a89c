import type { AuthRequest, Scope } from "@stevedore/core";
import {
  AbortError,
  AuthenticationError,
  InvalidHeaderError,
  InvalidResponseError,
  NetworkError,
  RegistryResponseError,
} from "@stevedore/core";
import { afterEach, describe, expect, it } from "vitest";
import { createAuth } from "./create-auth.js";
import { staticCredentials } from "./credentials/static-credentials.js";
import { bearerChallenge, createMockTokenService } from "./test-support/mock-token-service.js";

const realm = "https://auth.example.com/token";
const service = "registry.example.com";
const challenge = bearerChallenge({ realm, service });
const pull = (name: string): Scope => ({ type: "repository", name, actions: ["pull"] });
const push = (name: string): Scope => ({ type: "repository", name, actions: ["pull", "push"] });

function request(scopes: readonly Scope[], url = "https://registry.example.com/v2/"): AuthRequest {
  return { method: "GET", url: new URL(url), scopes };
}

let mock = createMockTokenService();
afterEach(async () => {
  mock.agent.assertNoPendingInterceptors();
  await mock.agent.close();
  mock = createMockTokenService();
});

/** Runs the 401 → challenge → authorize sequence transport performs. */
async function learn(
  auth: ReturnType<typeof createAuth>,
  target: AuthRequest,
  values: string[] = [challenge],
): Promise<string | undefined> {
  expect(await auth.authorize(target)).toBeUndefined();
  expect(await auth.challenge(target, values)).toBe(true);
  return auth.authorize(target);
}

describe("createAuth with Bearer challenges", () => {
  it("sends nothing before a challenge, then fetches an anonymous token for the request's scope", async () => {
    mock.reply({ status: 200, body: { token: "anonymous-token", expires_in: 300 } });
    const auth = createAuth({ dispatcher: mock.agent });
    const target = request([pull("library/alpine")]);

    expect(await learn(auth, target)).toBe("Bearer anonymous-token");
    expect(mock.requests).toHaveLength(1);
    const [token] = mock.requests;
    expect(token?.method).toBe("GET");
    expect(`${token?.url.origin}${token?.url.pathname}`).toBe(realm);
    expect(token?.url.searchParams.get("service")).toBe(service);
    expect(token?.url.searchParams.getAll("scope")).toEqual(["repository:library/alpine:pull"]);
    expect(token?.url.searchParams.has("account")).toBe(false);
    expect(token?.headers.authorization).toBeUndefined();
  });

  it("sends Basic credentials and account to the token service (GET)", async () => {
    mock.reply({ status: 200, body: { access_token: "user-token" } });
    const auth = createAuth({
      dispatcher: mock.agent,
      credentials: staticCredentials({ "registry.example.com": { username: "alice", password: "pa:ss" } }),
    });
    expect(await learn(auth, request([push("team/app")]))).toBe("Bearer user-token");
    const [token] = mock.requests;
    expect(token?.url.searchParams.get("account")).toBe("alice");
    expect(token?.url.searchParams.getAll("scope")).toEqual(["repository:team/app:pull,push"]);
    expect(token?.headers.authorization).toBe(`Basic ${Buffer.from("alice:pa:ss").toString("base64")}`);
  });

  it("reuses a cached token for requests with the same scopes", async () => {
    mock.reply({ status: 200, body: { token: "t1", expires_in: 300 } });
    const auth = createAuth({ dispatcher: mock.agent });
    await learn(auth, request([pull("app")]));
    expect(
      await auth.authorize(request([pull("app")], "https://registry.example.com/v2/app/blobs/sha256:aa")),
    ).toBe("Bearer t1");
    expect(await auth.authorize(request([pull("app"), pull("app")]))).toBe("Bearer t1");
    expect(mock.requests).toHaveLength(1);
    expect(auth.stats()).toMatchObject({ tokenRequests: 1, cachedTokens: 1 });
    expect(auth.stats().tokenCacheHits).toBeGreaterThanOrEqual(3);
  });

  it("makes one token request for 50 concurrent authorize calls (single flight)", async () => {
    mock.reply({ status: 200, body: { token: "ping-token" } });
    mock.reply({ status: 200, body: { token: "shared-token", expires_in: 300 } });
    const auth = createAuth({ dispatcher: mock.agent });
    await learn(auth, request([]));
    const headers = await Promise.all(
      Array.from({ length: 50 }, () => auth.authorize(request([pull("app")]))),
    );
    expect(new Set(headers)).toEqual(new Set(["Bearer shared-token"]));
    expect(mock.requests).toHaveLength(2);
    expect(mock.requests[1]?.url.searchParams.getAll("scope")).toEqual(["repository:app:pull"]);
  });

  it("refreshes a token before it expires, by the injected clock", async () => {
    let time = Date.UTC(2024, 0, 1);
    mock.reply({ status: 200, body: { token: "first", expires_in: 300 } });
    mock.reply({ status: 200, body: { token: "second", expires_in: 300 } });
    const auth = createAuth({ dispatcher: mock.agent, now: () => time, refreshMargin: 20_000 });
    expect(await learn(auth, request([pull("app")]))).toBe("Bearer first");
    time += 279_000;
    expect(await auth.authorize(request([pull("app")]))).toBe("Bearer first");
    time += 2_000; // 281 s: inside the 20 s margin
    expect(await auth.authorize(request([pull("app")]))).toBe("Bearer second");
    expect(mock.requests).toHaveLength(2);
  });

  it("treats lifetimes under 60 s as 60 s and counts from issued_at", async () => {
    const start = Date.UTC(2024, 0, 1, 12);
    let time = start;
    mock.reply({ status: 200, body: { token: "short", expires_in: 10 } });
    mock.reply({
      status: 200,
      body: { token: "issued-earlier", expires_in: 100, issued_at: new Date(start + 30_000).toISOString() },
    });
    mock.reply({ status: 200, body: { token: "third", expires_in: 100 } });
    const auth = createAuth({ dispatcher: mock.agent, now: () => time, refreshMargin: 0 });
    await learn(auth, request([pull("app")]));
    time = start + 59_000;
    expect(await auth.authorize(request([pull("app")]))).toBe("Bearer short");
    time = start + 60_000;
    expect(await auth.authorize(request([pull("app")]))).toBe("Bearer issued-earlier");
    // Issued at +30 s for 100 s: expires at +130 s, although it arrived at +60 s.
    time = start + 129_000;
    expect(await auth.authorize(request([pull("app")]))).toBe("Bearer issued-earlier");
    time = start + 130_000;
    expect(await auth.authorize(request([pull("app")]))).toBe("Bearer third");
  });

  it("asks for every scope of a request in one token request (mount)", async () => {
    mock.reply({ status: 200, body: { token: "mount-token" } });
    const auth = createAuth({ dispatcher: mock.agent });
    const target = request([push("team/target"), pull("team/source"), pull("team/target")]);
    expect(await learn(auth, target)).toBe("Bearer mount-token");
    expect(mock.requests[0]?.url.searchParams.getAll("scope")).toEqual([
      "repository:team/source:pull",
      "repository:team/target:pull,push",
    ]);
  });

  it("asks for the catalog scope", async () => {
    mock.reply({ status: 200, body: { token: "catalog-token" } });
    const auth = createAuth({ dispatcher: mock.agent });
    const target = request(
      [{ type: "registry", name: "catalog", actions: ["*"] }],
      "https://registry.example.com/v2/_catalog",
    );
    expect(await learn(auth, target)).toBe("Bearer catalog-token");
    expect(mock.requests[0]?.url.searchParams.getAll("scope")).toEqual(["registry:catalog:*"]);
  });

  it("merges the challenge's own scope and keeps using the merged token", async () => {
    mock.reply({ status: 200, body: { token: "merged", expires_in: 300 } });
    const auth = createAuth({ dispatcher: mock.agent });
    const values = [
      bearerChallenge({ realm, service, scope: "repository:app:pull,push repository:other:pull" }),
    ];
    expect(await learn(auth, request([pull("app")]), values)).toBe("Bearer merged");
    expect(await auth.authorize(request([pull("app")]))).toBe("Bearer merged");
    expect(mock.requests).toHaveLength(1);
    expect(mock.requests[0]?.url.searchParams.getAll("scope")).toEqual([
      "repository:app:pull,push",
      "repository:other:pull",
    ]);
  });

  it("keeps the realm's own query parameters", async () => {
    mock.reply({ status: 200, body: { token: "t" } });
    const auth = createAuth({ dispatcher: mock.agent });
    await learn(auth, request([pull("app")]), [bearerChallenge({ realm: `${realm}?tenant=blue`, service })]);
    expect(mock.requests[0]?.url.searchParams.get("tenant")).toBe("blue");
    expect(mock.requests[0]?.url.searchParams.get("service")).toBe(service);
  });

  it("asks again with more scopes after insufficient_scope, then gives up", async () => {
    mock.reply({ status: 200, body: { token: "pull-only", expires_in: 300 } });
    mock.reply({ status: 200, body: { token: "pull-push", expires_in: 300 } });
    const auth = createAuth({ dispatcher: mock.agent });
    const target = request([pull("app")]);
    await learn(auth, target);
    const insufficient = bearerChallenge({
      realm,
      service,
      scope: "repository:app:pull,push",
      error: "insufficient_scope",
    });
    expect(await auth.challenge(target, [insufficient])).toBe(true);
    expect(await auth.authorize(target)).toBe("Bearer pull-push");
    // The registry still refuses the token it asked for: nothing new can be tried, and no token request is made.
    expect(await auth.challenge(target, [insufficient])).toBe(false);
    expect(mock.requests).toHaveLength(2);
  });

  it("replaces a refused token once, then gives up instead of looping", async () => {
    mock.reply({ status: 200, body: { token: "revoked", expires_in: 300 } });
    mock.reply({ status: 200, body: { token: "fresh", expires_in: 300 } });
    const auth = createAuth({ dispatcher: mock.agent });
    const target = request([pull("app")]);
    expect(await learn(auth, target)).toBe("Bearer revoked");
    const invalid = bearerChallenge({ realm, service, error: "invalid_token" });
    expect(await auth.challenge(target, [invalid])).toBe(true);
    expect(await auth.authorize(target)).toBe("Bearer fresh");
    expect(await auth.challenge(target, [invalid])).toBe(false);
    expect(mock.requests).toHaveLength(2);
  });

  it("assumes a request object it has not seen carried the cached token", async () => {
    mock.reply({ status: 200, body: { token: "revoked", expires_in: 300 } });
    mock.reply({ status: 200, body: { token: "fresh", expires_in: 300 } });
    const auth = createAuth({ dispatcher: mock.agent });
    await learn(auth, request([pull("app")]));
    const invalid = bearerChallenge({ realm, service, error: "invalid_token" });
    expect(await auth.challenge(request([pull("app")]), [invalid])).toBe(true);
    expect(await auth.authorize(request([pull("app")]))).toBe("Bearer fresh");
    expect(await auth.challenge(request([pull("app")]), [invalid])).toBe(false);
  });

  it("tries again after a refusal when the credentials changed", async () => {
    mock.reply({ status: 200, body: { token: "old-login", expires_in: 300 } });
    mock.reply({ status: 200, body: { token: "new-login", expires_in: 300 } });
    let password = "old";
    const auth = createAuth({
      dispatcher: mock.agent,
      credentials: { get: async () => ({ username: "alice", password }) },
    });
    const target = request([pull("app")]);
    await learn(auth, target);
    const insufficient = bearerChallenge({ realm, service, error: "insufficient_scope" });
    password = "new";
    expect(await auth.challenge(target, [insufficient])).toBe(true);
    expect(await auth.authorize(target)).toBe("Bearer new-login");
    expect(mock.requests[1]?.headers.authorization).toBe(
      `Basic ${Buffer.from("alice:new").toString("base64")}`,
    );
  });

  it("replays with a token another request already obtained", async () => {
    mock.reply({ status: 200, body: { token: "t1", expires_in: 300 } });
    const auth = createAuth({ dispatcher: mock.agent });
    const first = request([pull("app")]);
    const second = request([pull("app")]);
    expect(await auth.authorize(first)).toBeUndefined();
    expect(await auth.authorize(second)).toBeUndefined();
    expect(await auth.challenge(first, [challenge])).toBe(true);
    expect(await auth.challenge(second, [challenge])).toBe(true);
    expect(await auth.authorize(second)).toBe("Bearer t1");
    expect(mock.requests).toHaveLength(1);
  });

  it("sends a registry token as is, without a token request", async () => {
    const auth = createAuth({
      dispatcher: mock.agent,
      credentials: staticCredentials({ registryToken: "registry-issued" }),
    });
    expect(await learn(auth, request([pull("app")]))).toBe("Bearer registry-issued");
    expect(await auth.challenge(request([pull("app")]), [challenge])).toBe(false);
    expect(mock.requests).toHaveLength(0);
  });

  it("uses the token realm on another host than the registry, and not the registry's host", async () => {
    mock.reply({ status: 200, body: { token: "hub" } }, { origin: "https://auth.docker.io" });
    const auth = createAuth({ dispatcher: mock.agent });
    const values = [
      bearerChallenge({ realm: "https://auth.docker.io/token", service: "registry.docker.io" }),
    ];
    const target = request(
      [pull("library/ubuntu")],
      "https://registry-1.docker.io/v2/library/ubuntu/manifests/24.04",
    );
    expect(await learn(auth, target, values)).toBe("Bearer hub");
    expect(mock.requests[0]?.url.host).toBe("auth.docker.io");
  });
});

describe("createAuth with OAuth2 POST", () => {
  const identity = { username: "alice", identityToken: "refresh-me" };

  it("POSTs a refresh_token grant with the identity token and keeps the returned refresh token", async () => {
    mock.reply(
      { status: 200, body: { access_token: "a1", refresh_token: "rotated", expires_in: 300 } },
      { method: "POST" },
    );
    mock.reply({ status: 200, body: { access_token: "a2", expires_in: 300 } }, { method: "POST" });
    const auth = createAuth({ dispatcher: mock.agent, credentials: staticCredentials(identity) });
    expect(await learn(auth, request([pull("a"), push("b")]))).toBe("Bearer a1");
    const [first] = mock.requests;
    expect(first?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(first?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(first?.body))).toEqual({
      grant_type: "refresh_token",
      refresh_token: "refresh-me",
      service,
      client_id: "stevedore",
      access_type: "offline",
      scope: "repository:a:pull repository:b:pull,push",
    });
    expect(await auth.authorize(request([pull("c")]))).toBe("Bearer a2");
    expect(new URLSearchParams(mock.requests[1]?.body).get("refresh_token")).toBe("rotated");
  });

  it.each([400, 401, 404, 405])("falls back to GET when the POST answers %i", async (status) => {
    mock.reply({ status, body: "nope" }, { method: "POST" });
    mock.reply({ status: 200, body: { token: "from-get" } });
    const auth = createAuth({
      dispatcher: mock.agent,
      credentials: staticCredentials({ username: "alice", password: "secret", identityToken: "refresh-me" }),
    });
    expect(await learn(auth, request([pull("app")]))).toBe("Bearer from-get");
    expect(mock.requests.map((r) => r.method)).toEqual(["POST", "GET"]);
    expect(mock.requests[1]?.headers.authorization).toBe(
      `Basic ${Buffer.from("alice:secret").toString("base64")}`,
    );
    expect(mock.requests[1]?.url.searchParams.getAll("scope")).toEqual(["repository:app:pull"]);
  });

  it("does not fall back on 403", async () => {
    mock.reply({ status: 403 }, { method: "POST" });
    const auth = createAuth({ dispatcher: mock.agent, credentials: staticCredentials(identity) });
    expect(await auth.authorize(request([pull("app")]))).toBeUndefined();
    await expect(auth.challenge(request([pull("app")]), [challenge])).rejects.toThrow(AuthenticationError);
  });

  it("falls back to GET with the identity token as the Basic secret when there is no password", async () => {
    mock.reply({ status: 404 }, { method: "POST" });
    mock.reply({ status: 200, body: { token: "from-get" } });
    const auth = createAuth({ dispatcher: mock.agent, credentials: staticCredentials(identity) });
    expect(await learn(auth, request([pull("app")]))).toBe("Bearer from-get");
    expect(mock.requests[1]?.headers.authorization).toBe(
      `Basic ${Buffer.from("alice:refresh-me").toString("base64")}`,
    );
    expect(mock.requests[1]?.url.searchParams.get("account")).toBe("alice");
  });

  it("uses the password grant with forceOAuth", async () => {
    mock.reply({ status: 200, body: { access_token: "p1" } }, { method: "POST" });
    const auth = createAuth({
      dispatcher: mock.agent,
      forceOAuth: true,
      clientId: "my-tool",
      credentials: staticCredentials({ username: "alice", password: "secret" }),
    });
    expect(await learn(auth, request([pull("app")]))).toBe("Bearer p1");
    expect(Object.fromEntries(new URLSearchParams(mock.requests[0]?.body))).toEqual({
      grant_type: "password",
      username: "alice",
      password: "secret",
      service,
      client_id: "my-tool",
      access_type: "offline",
      scope: "repository:app:pull",
    });
  });
});

describe("createAuth with Basic challenges", () => {
  const basic = 'Basic realm="Registry Realm"';

  it("answers a Basic challenge with the host's credentials, once", async () => {
    const auth = createAuth({
      dispatcher: mock.agent,
      credentials: staticCredentials({ "registry.example.com": { username: "bob", password: "hunter2" } }),
    });
    const target = request([pull("app")]);
    const header = `Basic ${Buffer.from("bob:hunter2").toString("base64")}`;
    expect(await learn(auth, target, [basic])).toBe(header);
    expect(await auth.authorize(request([]))).toBe(header);
    // Refused again with the same password: nothing new to try.
    expect(await auth.challenge(target, [basic])).toBe(false);
    expect(mock.requests).toHaveLength(0);
  });

  it("prefers Bearer when both are offered", async () => {
    mock.reply({ status: 200, body: { token: "bearer-wins" } });
    const auth = createAuth({
      dispatcher: mock.agent,
      credentials: staticCredentials({ username: "u", password: "p" }),
    });
    expect(await learn(auth, request([pull("app")]), [basic, challenge])).toBe("Bearer bearer-wins");
  });

  it("gives up on Basic without credentials", async () => {
    const auth = createAuth({ dispatcher: mock.agent });
    expect(await auth.challenge(request([]), [basic])).toBe(false);
    expect(await auth.authorize(request([]))).toBeUndefined();
  });

  it("refuses to send Basic credentials over plain HTTP to a remote host", async () => {
    const auth = createAuth({
      dispatcher: mock.agent,
      credentials: staticCredentials({ username: "u", password: "p" }),
    });
    await expect(auth.challenge(request([], "http://registry.example.com/v2/"), [basic])).rejects.toThrow(
      AuthenticationError,
    );
    expect(await auth.challenge(request([], "http://127.0.0.1:5000/v2/"), [basic])).toBe(true);
    expect(await auth.authorize(request([], "http://127.0.0.1:5000/v2/"))).toMatch(/^Basic /);
    const listed = createAuth({
      dispatcher: mock.agent,
      plainHttpHosts: ["registry.example.com"],
      credentials: staticCredentials({ username: "u", password: "p" }),
    });
    expect(await listed.challenge(request([], "http://registry.example.com/v2/"), [basic])).toBe(true);
  });
});

describe("createAuth with the connection of each request (AuthRequest.dispatcher, AuthRequest.plainHttp)", () => {
  it("sends token requests through the request's dispatcher rather than its own", async () => {
    mock.reply({ status: 200, body: { token: "through-the-request" } });
    const unused = createMockTokenService();
    const auth = createAuth({ dispatcher: unused.agent });
    const target = { ...request([pull("app")]), dispatcher: mock.agent };
    expect(await learn(auth, target)).toBe("Bearer through-the-request");
    expect([mock.requests.length, unused.requests.length]).toEqual([1, 0]);
    await unused.agent.close();
  });

  it("sends Basic credentials over plain HTTP to a host the transport speaks plain HTTP to, only there", async () => {
    const auth = createAuth({ credentials: staticCredentials({ username: "u", password: "p" }) });
    const plain = { ...request([], "http://registry.example.com/v2/"), plainHttp: true };
    const basic = 'Basic realm="Registry Realm"';
    expect(await auth.challenge(plain, [basic])).toBe(true);
    expect(await auth.authorize(plain)).toMatch(/^Basic /);
    const other = { ...request([], "http://other.example.com/v2/"), plainHttp: false };
    await expect(auth.challenge(other, [basic])).rejects.toThrow(AuthenticationError);
  });

  it("allows a plain-HTTP token realm on the registry's own plain-HTTP origin, not on another host", async () => {
    mock.reply({ status: 200, body: { token: "same-origin" } }, { origin: "http://registry.example.com" });
    const auth = createAuth({ dispatcher: mock.agent });
    const target = { ...request([pull("app")], "http://registry.example.com/v2/"), plainHttp: true };
    const same = [bearerChallenge({ realm: "http://registry.example.com/token", service })];
    expect(await learn(auth, target, same)).toBe("Bearer same-origin");
    const elsewhere = [bearerChallenge({ realm: "http://auth.example.com/token", service })];
    const error = await createAuth({ dispatcher: mock.agent })
      .challenge(target, elsewhere)
      .catch((caught: unknown) => caught);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(
      "the token realm http://auth.example.com/token uses plain HTTP",
    );
  });
});

describe("createAuth failures", () => {
  it("refuses a token realm over plain HTTP for a non-loopback host", async () => {
    const auth = createAuth({ dispatcher: mock.agent });
    const values = [bearerChallenge({ realm: "http://auth.example.com/token", service })];
    const error = await auth.challenge(request([pull("app")]), values).catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^registry\.example\.com: the token realm http:\/\/auth\.example\.com\/token uses plain HTTP/,
    );
    expect(mock.requests).toHaveLength(0);
  });

  it("allows a token realm over plain HTTP on loopback or when listed", async () => {
    mock.reply({ status: 200, body: { token: "local" } }, { origin: "http://127.0.0.1:5001" });
    mock.reply({ status: 200, body: { token: "listed" } }, { origin: "http://auth.internal:8080" });
    const auth = createAuth({ dispatcher: mock.agent, plainHttpHosts: ["auth.internal:8080"] });
    const local = [bearerChallenge({ realm: "http://127.0.0.1:5001/token", service: "local" })];
    expect(await learn(auth, request([pull("app")], "http://127.0.0.1:5000/v2/"), local)).toBe(
      "Bearer local",
    );
    const listed = [bearerChallenge({ realm: "http://auth.internal:8080/token", service: "internal" })];
    expect(await learn(auth, request([pull("app")], "https://registry.internal/v2/"), listed)).toBe(
      "Bearer listed",
    );
  });

  it.each([
    ["HTML", "<html>Sign in</html>", { "content-type": "text/html" }],
    ["no token", { expires_in: 300 }, undefined],
    ["wrong type", { token: 42 }, undefined],
  ])(
    "rejects a token response with %s as InvalidResponseError naming the realm host",
    async (_name, body, headers) => {
      mock.reply({ status: 200, body, ...(headers ? { headers } : {}) });
      const auth = createAuth({ dispatcher: mock.agent });
      const error = await auth.challenge(request([pull("app")]), [challenge]).catch((e: unknown) => e);
      expect(InvalidResponseError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain("auth.example.com");
    },
  );

  it("reports a 401 from the token service as wrong credentials for the registry", async () => {
    mock.reply({ status: 401, body: { errors: [{ code: "UNAUTHORIZED" }] } });
    const auth = createAuth({
      dispatcher: mock.agent,
      credentials: staticCredentials({ username: "alice", password: "wrong" }),
    });
    const error = await auth.challenge(request([pull("app")]), [challenge]).catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ registry: "registry.example.com", code: "STEVEDORE_AUTHENTICATION" });
    expect((error as Error).message).toBe(
      "registry.example.com: wrong username or password: the token service at auth.example.com answered 401",
    );
  });

  it("reports an anonymous 401 as needing a login", async () => {
    mock.reply({ status: 401 });
    const auth = createAuth({ dispatcher: mock.agent });
    await expect(auth.challenge(request([pull("private")]), [challenge])).rejects.toThrow(
      /anonymous access was refused/,
    );
  });

  it("reports a 503 from the token service as a retryable RegistryResponseError", async () => {
    mock.reply({ status: 503 });
    const auth = createAuth({ dispatcher: mock.agent });
    const error = await auth.challenge(request([pull("app")]), [challenge]).catch((e: unknown) => e);
    expect(RegistryResponseError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 503, retryable: true });
  });

  it("times out a token request that does not answer", async () => {
    mock.agent
      .get("https://auth.example.com")
      .intercept({ path: () => true })
      .reply(200, { token: "late" })
      .delay(10_000);
    const auth = createAuth({ dispatcher: mock.agent, timeout: 20 });
    const error = await auth.challenge(request([pull("app")]), [challenge]).catch((e: unknown) => e);
    expect(NetworkError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe("token request to auth.example.com timed out after 20 ms");
  });

  it("rejects junk challenges with InvalidHeaderError and ignores unknown schemes", async () => {
    const auth = createAuth({ dispatcher: mock.agent });
    await expect(auth.challenge(request([]), ['Bearer realm="unterminated'])).rejects.toThrow(
      InvalidHeaderError,
    );
    await expect(auth.challenge(request([]), ['Bearer service="no-realm"'])).rejects.toThrow(
      InvalidHeaderError,
    );
    expect(await auth.challenge(request([]), ["Negotiate abc=="])).toBe(false);
    expect(await auth.challenge(request([]), [])).toBe(false);
  });

  it("lets one caller abort without cancelling the token request others wait for", async () => {
    mock.reply({ status: 200, body: { token: "ping" } });
    mock.agent
      .get("https://auth.example.com")
      .intercept({ path: () => true })
      .reply(200, { token: "shared" }, { headers: { "content-type": "application/json" } })
      .delay(30);
    const auth = createAuth({ dispatcher: mock.agent });
    await learn(auth, request([]));
    const controller = new AbortController();
    const aborted = auth.authorize({ ...request([pull("app")]), signal: controller.signal });
    const waiting = auth.authorize(request([pull("app")]));
    controller.abort();
    await expect(aborted).rejects.toThrow(AbortError);
    expect(await waiting).toBe("Bearer shared");
  });

  it("forgets everything on clear()", async () => {
    mock.reply({ status: 200, body: { token: "t1", expires_in: 300 } });
    const auth = createAuth({ dispatcher: mock.agent });
    await learn(auth, request([pull("app")]));
    auth.clear();
    expect(await auth.authorize(request([pull("app")]))).toBeUndefined();
    expect(auth.stats().cachedTokens).toBe(0);
  });
});
