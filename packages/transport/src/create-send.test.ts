import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { Readable } from "node:stream";
import { inspect } from "node:util";
import {
  AbortError,
  AuthenticationError,
  InvalidResponseError,
  NetworkError,
  RegistryResponseError,
  UsageError,
} from "@stevedore/core";
import { rejection } from "@stevedore/testing";
import type { MockAgent } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTransport } from "./create-transport.js";
import { transportDiagnosticsChannel } from "./debug-log.js";
import { createFakeAuth, createMockAgent, createRecordingSleep } from "./test-support/fakes.js";
import type { TransportOptions } from "./transport-options.js";

const registry = "https://registry.test";
const manifestPath = "/v2/library/alpine/manifests/3.20";
const pull = [{ type: "repository", name: "library/alpine", actions: ["pull"] }];
const bearer = 'Bearer realm="https://auth.test/token",service="registry.test"';
const unauthorized = JSON.stringify({
  errors: [{ code: "UNAUTHORIZED", message: "authentication required" }],
});

let agent: MockAgent;

beforeEach(() => {
  agent = createMockAgent();
});

afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

function transport(options: TransportOptions = {}) {
  const recording = createRecordingSleep();
  const created = createTransport({
    dispatcher: agent,
    ...options,
    clock: { sleep: recording.sleep, random: () => 0, ...options.clock },
  });
  return { transport: created, delays: recording.delays };
}

function noAuthorization(headers: Record<string, string>): boolean {
  return !Object.keys(headers).some((name) => name.toLowerCase() === "authorization");
}

describe("401 challenge", () => {
  it("hands every WWW-Authenticate value to challenge() and replays once with the new header", async () => {
    const pool = agent.get(registry);
    pool
      .intercept({ path: manifestPath, headers: noAuthorization })
      .reply(401, unauthorized, { headers: { "www-authenticate": [bearer, 'Basic realm="registry"'] } });
    pool
      .intercept({ path: manifestPath, headers: { authorization: "Bearer token-1" } })
      .reply(200, "{}", { headers: { "content-type": "application/vnd.oci.image.index.v1+json" } });
    const auth = createFakeAuth();
    const { transport: client } = transport({ auth: auth.strategy });

    const response = await client.send({ method: "GET", url: `${registry}${manifestPath}`, scopes: pull });

    expect(response.status).toBe(200);
    expect(await response.text()).toBe("{}");
    expect(auth.calls).toEqual([
      {
        kind: "authorize",
        method: "GET",
        url: `${registry}${manifestPath}`,
        scopes: ["repository:library/alpine:pull"],
      },
      {
        kind: "challenge",
        method: "GET",
        url: `${registry}${manifestPath}`,
        scopes: ["repository:library/alpine:pull"],
        challenges: [bearer, 'Basic realm="registry"'],
      },
      {
        kind: "authorize",
        method: "GET",
        url: `${registry}${manifestPath}`,
        scopes: ["repository:library/alpine:pull"],
      },
    ]);
  });

  it("replays only once: a second 401 is an AuthenticationError carrying the registry's 401", async () => {
    const pool = agent.get(registry);
    pool
      .intercept({ path: manifestPath })
      .reply(401, unauthorized, { headers: { "www-authenticate": bearer } });
    pool
      .intercept({ path: manifestPath, headers: { authorization: "Bearer token-1" } })
      .reply(401, unauthorized, { headers: { "www-authenticate": `${bearer},error="invalid_token"` } });
    const auth = createFakeAuth();
    const { transport: client } = transport({ auth: auth.strategy });

    const failure = await rejection(client.send({ method: "GET", url: `${registry}${manifestPath}` }));

    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect(String(failure)).toMatch(/credentials refused for GET \/v2\/.* \(UNAUTHORIZED\)/);
    const error = (failure as AuthenticationError).cause;
    expect(RegistryResponseError.isInstance(error)).toBe(true);
    expect((error as RegistryResponseError).status).toBe(401);
    expect((error as RegistryResponseError).errors).toEqual([
      { code: "UNAUTHORIZED", message: "authentication required" },
    ]);
    expect(auth.calls.filter((call) => call.kind === "challenge")).toHaveLength(1);
  });

  it("does not replay when challenge() returns false", async () => {
    agent
      .get(registry)
      .intercept({ path: manifestPath })
      .reply(401, unauthorized, { headers: { "www-authenticate": bearer } });
    const auth = createFakeAuth({ accept: false });
    const { transport: client } = transport({ auth: auth.strategy });

    const failure = await rejection(client.send({ method: "GET", url: `${registry}${manifestPath}` }));

    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect((failure as AuthenticationError).registry).toBe(new URL(registry).host);
    const error = (failure as AuthenticationError).cause;
    expect((error as RegistryResponseError).status).toBe(401);
    expect((error as RegistryResponseError).hasCode("UNAUTHORIZED")).toBe(true);
    expect(auth.calls.map((call) => call.kind)).toEqual(["authorize", "challenge"]);
  });

  it("does not call challenge() for a 401 without WWW-Authenticate", async () => {
    agent.get(registry).intercept({ path: manifestPath }).reply(401, unauthorized);
    const auth = createFakeAuth();
    const { transport: client } = transport({ auth: auth.strategy });

    const error = await rejection(client.send({ method: "GET", url: `${registry}${manifestPath}` }));

    expect((error as RegistryResponseError).status).toBe(401);
    expect(auth.calls.map((call) => call.kind)).toEqual(["authorize"]);
  });

  it("returns a 401 the caller expects without challenging", async () => {
    agent
      .get(registry)
      .intercept({ path: "/v2/" })
      .reply(401, unauthorized, { headers: { "www-authenticate": bearer } });
    const auth = createFakeAuth();
    const { transport: client } = transport({ auth: auth.strategy });

    const response = await client.send({ method: "GET", url: `${registry}/v2/`, expect: [200, 401] });

    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toBe(bearer);
    await response.dump();
    expect(auth.calls.map((call) => call.kind)).toEqual(["authorize"]);
  });

  it("sends a caller-given Authorization header as is and leaves the strategy out", async () => {
    agent
      .get(registry)
      .intercept({ path: manifestPath, headers: { authorization: "Basic dXNlcjpwYXNz" } })
      .reply(200, "{}");
    const auth = createFakeAuth({ initial: "Bearer other" });
    const { transport: client } = transport({ auth: auth.strategy });

    const response = await client.send({
      method: "GET",
      url: `${registry}${manifestPath}`,
      headers: { Authorization: "Basic dXNlcjpwYXNz" },
    });

    expect(await response.text()).toBe("{}");
    expect(auth.calls).toEqual([]);
  });

  it("calls a factory body again for the replay", async () => {
    const pool = agent.get(registry);
    const uploads: string[] = [];
    pool
      .intercept({ path: "/v2/app/manifests/v1", method: "PUT" })
      .reply(401, unauthorized, { headers: { "www-authenticate": bearer } });
    pool
      .intercept({
        path: "/v2/app/manifests/v1",
        method: "PUT",
        headers: { authorization: "Bearer token-1" },
      })
      .reply(201, async ({ body }) => {
        uploads.push(Buffer.from(body as Uint8Array).toString());
        return "";
      });
    const auth = createFakeAuth();
    const { transport: client } = transport({ auth: auth.strategy });
    let calls = 0;

    const response = await client.send({
      method: "PUT",
      url: `${registry}/v2/app/manifests/v1`,
      body: () => {
        calls += 1;
        return new TextEncoder().encode(`manifest ${calls}`);
      },
      expect: [201],
    });

    expect(response.status).toBe(201);
    expect(calls).toBe(2);
    expect(uploads).toEqual(["manifest 2"]);
  });
});

describe("one-shot bodies", () => {
  const uploadPath = "/v2/app/blobs/uploads/session?_state=abc";

  function recordUpload(into: string[]) {
    return async ({ body }: { body?: unknown }) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
      into.push(Buffer.concat(chunks).toString());
      return { statusCode: 201, data: "" };
    };
  }

  it("probes GET /v2/ to authenticate before sending a stream when no credential is known", async () => {
    const pool = agent.get(registry);
    const uploads: string[] = [];
    pool
      .intercept({ path: "/v2/", headers: noAuthorization })
      .reply(401, unauthorized, { headers: { "www-authenticate": bearer } });
    pool
      .intercept({ path: uploadPath, method: "PUT", headers: { authorization: "Bearer token-1" } })
      .reply(recordUpload(uploads));
    const auth = createFakeAuth();
    const { transport: client } = transport({ auth: auth.strategy });
    const push = [{ type: "repository", name: "app", actions: ["pull", "push"] }];

    const response = await client.send({
      method: "PUT",
      url: `${registry}${uploadPath}`,
      body: Readable.from([Buffer.from("layer "), Buffer.from("bytes")]),
      scopes: push,
      expect: [201],
    });

    expect(response.status).toBe(201);
    expect(uploads).toEqual(["layer bytes"]);
    expect(auth.calls.map((call) => [call.kind, call.method, call.scopes.join(" ")])).toEqual([
      ["authorize", "PUT", "repository:app:pull,push"],
      ["challenge", "PUT", "repository:app:pull,push"],
      ["authorize", "PUT", "repository:app:pull,push"],
    ]);
  });

  it("does not probe again an origin that answered the probe with 200", async () => {
    const pool = agent.get(registry);
    const uploads: string[] = [];
    pool.intercept({ path: "/v2/" }).reply(200, "{}");
    pool.intercept({ path: uploadPath, method: "PUT" }).reply(recordUpload(uploads)).times(2);
    const auth = createFakeAuth();
    const { transport: client } = transport({ auth: auth.strategy });

    for (const text of ["one", "two"]) {
      const body = (async function* () {
        yield new TextEncoder().encode(text);
      })();
      await client.send({ method: "PUT", url: `${registry}${uploadPath}`, body, expect: [201] });
    }

    expect(uploads).toEqual(["one", "two"]);
  });

  it("does not probe when the strategy already has a credential", async () => {
    const uploads: string[] = [];
    agent
      .get(registry)
      .intercept({ path: uploadPath, method: "PUT", headers: { authorization: "Bearer cached" } })
      .reply(recordUpload(uploads));
    const auth = createFakeAuth({ initial: "Bearer cached" });
    const { transport: client } = transport({ auth: auth.strategy });

    await client.send({
      method: "PUT",
      url: `${registry}${uploadPath}`,
      body: Readable.from(["x"]),
      expect: [201],
    });

    expect(uploads).toEqual(["x"]);
  });

  it("lets the strategy learn from a 401 after the body was sent, but never replays the stream", async () => {
    agent
      .get(registry)
      .intercept({ path: uploadPath, method: "PUT" })
      .reply(401, unauthorized, { headers: { "www-authenticate": bearer } });
    const auth = createFakeAuth({ initial: "Bearer expired" });
    const { transport: client } = transport({ auth: auth.strategy });

    const error = await rejection(
      client.send({
        method: "PUT",
        url: `${registry}${uploadPath}`,
        body: Readable.from(["x"]),
        expect: [201],
      }),
    );

    expect((error as RegistryResponseError).status).toBe(401);
    expect(auth.calls.map((call) => call.kind)).toEqual(["authorize", "challenge"]);
  });
});

describe("retries", () => {
  it("waits the seconds of Retry-After on a 429 (no real waiting: the sleep is injected)", async () => {
    const pool = agent.get(registry);
    pool.intercept({ path: manifestPath }).reply(429, "", { headers: { "retry-after": "2" } });
    pool.intercept({ path: manifestPath }).reply(200, "{}");
    const { transport: client, delays } = transport();

    const response = await client.send({ method: "GET", url: `${registry}${manifestPath}` });

    expect(await response.text()).toBe("{}");
    expect(delays).toEqual([2000]);
  });

  it("reads Retry-After as an HTTP date against the injected clock", async () => {
    const pool = agent.get(registry);
    pool
      .intercept({ path: manifestPath })
      .reply(503, "", { headers: { "retry-after": "Wed, 21 Oct 2015 07:28:05 GMT" } });
    pool.intercept({ path: manifestPath }).reply(200, "{}");
    const { transport: client, delays } = transport({
      clock: { now: () => Date.parse("Wed, 21 Oct 2015 07:28:00 GMT") },
    });

    await (await client.send({ method: "GET", url: `${registry}${manifestPath}` })).dump();

    expect(delays).toEqual([5000]);
  });

  it("does not wait for a Retry-After beyond the cap and reports it on the error", async () => {
    agent
      .get(registry)
      .intercept({ path: manifestPath })
      .reply(429, JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }), {
        headers: { "retry-after": "120" },
      });
    const { transport: client, delays } = transport({ retry: { maxRetryAfter: 60_000 } });

    const error = (await rejection(
      client.send({ method: "GET", url: `${registry}${manifestPath}` }),
    )) as RegistryResponseError;

    expect(delays).toEqual([]);
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(120);
    expect(error.hasCode("TOOMANYREQUESTS")).toBe(true);
    expect(error.retryable).toBe(true);
  });

  it("retries a 5xx with exponential backoff and jitter, then throws with the registry's codes verbatim", async () => {
    const body = JSON.stringify({
      errors: [{ code: "UNAVAILABLE", message: "backend down", detail: { shard: 3, reasons: ["disk"] } }],
    });
    agent
      .get(registry)
      .intercept({ path: manifestPath })
      .reply(503, body, { headers: { "content-type": "application/json", "docker-request-id": "req-42" } })
      .times(4);
    const { transport: client, delays } = transport({
      clock: { random: () => 0.5 },
      retry: { maxRetries: 3, minDelay: 100, factor: 3, jitter: 0.5 },
    });

    const error = (await rejection(
      client.send({ method: "GET", url: `${registry}${manifestPath}` }),
    )) as RegistryResponseError;

    // 100·3^(n−1), minus half of the 0.5 jitter: 75, 225, 675.
    expect(delays).toEqual([75, 225, 675]);
    expect(error.status).toBe(503);
    expect(error.method).toBe("GET");
    expect(error.requestId).toBe("req-42");
    expect(error.errors).toEqual([
      { code: "UNAVAILABLE", message: "backend down", detail: { shard: 3, reasons: ["disk"] } },
    ]);
  });

  it("caps the backoff at maxDelay", async () => {
    agent.get(registry).intercept({ path: manifestPath }).reply(500, "").times(4);
    const { transport: client, delays } = transport({
      retry: { maxRetries: 3, minDelay: 1000, maxDelay: 1500 },
    });

    await rejection(client.send({ method: "GET", url: `${registry}${manifestPath}` }));

    expect(delays).toEqual([1000, 1500, 1500]);
  });

  it("retries connection resets of a GET, then throws NetworkError", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    agent.get(registry).intercept({ path: manifestPath }).replyWithError(reset).times(3);
    const { transport: client, delays } = transport({ retry: { maxRetries: 2 } });

    const error = await rejection(client.send({ method: "GET", url: `${registry}${manifestPath}` }));

    expect(NetworkError.isInstance(error)).toBe(true);
    expect((error as NetworkError).message).toContain("ECONNRESET");
    expect(delays).toHaveLength(2);
  });

  it("does not retry a POST on a 503", async () => {
    agent.get(registry).intercept({ path: "/v2/app/blobs/uploads/", method: "POST" }).reply(503, "");
    const { transport: client, delays } = transport();

    const error = await rejection(
      client.send({
        method: "POST",
        url: `${registry}/v2/app/blobs/uploads/`,
        body: new Uint8Array(0),
        expect: [202],
      }),
    );

    expect((error as RegistryResponseError).status).toBe(503);
    expect(delays).toEqual([]);
  });

  it("does not retry a POST with a streaming body after a connection reset", async () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    agent.get(registry).intercept({ path: "/v2/app/blobs/uploads/", method: "POST" }).replyWithError(reset);
    const { transport: client, delays } = transport();

    const error = await rejection(
      client.send({
        method: "POST",
        url: `${registry}/v2/app/blobs/uploads/`,
        body: Readable.from(["data"]),
      }),
    );

    expect(NetworkError.isInstance(error)).toBe(true);
    expect(delays).toEqual([]);
  });

  it("retries a POST with a replayable body when the connection was refused before anything was sent", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const pool = agent.get(registry);
    pool.intercept({ path: "/v2/app/blobs/uploads/", method: "POST" }).replyWithError(refused);
    pool.intercept({ path: "/v2/app/blobs/uploads/", method: "POST", body: "payload" }).reply(202, "");
    const { transport: client, delays } = transport();

    const response = await client.send({
      method: "POST",
      url: `${registry}/v2/app/blobs/uploads/`,
      body: "payload",
      expect: [202],
    });

    expect(response.status).toBe(202);
    expect(delays).toEqual([500]);
  });

  it("retries a non-idempotent request with a replayable body when the caller marks it idempotent", async () => {
    const pool = agent.get(registry);
    pool.intercept({ path: "/v2/app/blobs/uploads/", method: "POST", body: "payload" }).reply(503, "");
    pool.intercept({ path: "/v2/app/blobs/uploads/", method: "POST", body: "payload" }).reply(202, "");
    const { transport: client, delays } = transport();

    const response = await client.send({
      method: "POST",
      url: `${registry}/v2/app/blobs/uploads/`,
      body: "payload",
      idempotent: true,
      expect: [202],
    });

    expect(response.status).toBe(202);
    expect(delays).toEqual([500]);
  });

  it("retries nothing with maxRetries 0", async () => {
    agent.get(registry).intercept({ path: manifestPath }).reply(502, "");
    const { transport: client, delays } = transport({ retry: { maxRetries: 0 } });

    expect(
      (
        (await rejection(
          client.send({ method: "GET", url: `${registry}${manifestPath}` }),
        )) as RegistryResponseError
      ).status,
    ).toBe(502);
    expect(delays).toEqual([]);
  });
});

describe("redirects", () => {
  it("retries each redirect hop on its own: redirect is the outermost interceptor", async () => {
    const blobPath = "/v2/app/blobs/sha256:abc";
    agent
      .get(registry)
      .intercept({ path: blobPath })
      .reply(307, "", { headers: { location: "https://cdn.test/blob?X-Amz-Signature=s1" } });
    const cdn = agent.get("https://cdn.test");
    cdn.intercept({ path: "/blob?X-Amz-Signature=s1", headers: noAuthorization }).reply(503, "");
    cdn.intercept({ path: "/blob?X-Amz-Signature=s1", headers: noAuthorization }).reply(200, "blob bytes");
    const { transport: client, delays } = transport({
      auth: createFakeAuth({ initial: "Bearer t" }).strategy,
    });

    const response = await client.send({ method: "GET", url: `${registry}${blobPath}` });

    // Were retry outside redirect, the registry would be asked twice and the second 307 would find no mock.
    expect(await response.text()).toBe("blob bytes");
    expect(response.url.href).toBe("https://cdn.test/blob?X-Amz-Signature=s1");
    expect(delays).toEqual([500]);
  });

  it("follows a relative Location on the same origin, keeping the credentials", async () => {
    const pool = agent.get(registry);
    pool
      .intercept({ path: "/v2/old/tags/list" })
      .reply(301, "", { headers: { location: "/v2/new/tags/list" } });
    pool.intercept({ path: "/v2/new/tags/list", headers: { authorization: "Bearer t" } }).reply(200, "{}");
    const { transport: client } = transport({ auth: createFakeAuth({ initial: "Bearer t" }).strategy });

    const response = await client.send({ method: "GET", url: `${registry}/v2/old/tags/list` });

    expect(response.url.href).toBe(`${registry}/v2/new/tags/list`);
    expect(await response.json()).toEqual({});
  });

  it("returns the 3xx itself when redirects are not followed", async () => {
    agent
      .get(registry)
      .intercept({ path: "/v2/app/blobs/sha256:abc" })
      .reply(307, "", { headers: { location: "https://cdn.test/x" } });
    const { transport: client } = transport();

    const response = await client.send({
      method: "GET",
      url: `${registry}/v2/app/blobs/sha256:abc`,
      followRedirects: false,
      expect: [307],
    });

    expect(response.headers.location).toBe("https://cdn.test/x");
    await response.dump();
  });

  it("turns too many redirects into an InvalidResponseError", async () => {
    const pool = agent.get(registry);
    for (let hop = 0; hop < 3; hop += 1) {
      pool.intercept({ path: `/hop${hop}` }).reply(302, "", { headers: { location: `/hop${hop + 1}` } });
    }
    const { transport: client } = transport({ maxRedirections: 2 });

    expect(
      InvalidResponseError.isInstance(
        await rejection(client.send({ method: "GET", url: `${registry}/hop0` })),
      ),
    ).toBe(true);
  });
});

describe("error responses", () => {
  it("decodes the registry's JSON error body verbatim, with the request id", async () => {
    const body = {
      errors: [
        { code: "MANIFEST_UNKNOWN", message: "manifest unknown", detail: { Tag: "3.20" } },
        { code: "NAME_UNKNOWN", message: "repository name not known to registry", detail: "library/alpine" },
      ],
    };
    agent
      .get(registry)
      .intercept({ path: manifestPath })
      .reply(404, JSON.stringify(body), {
        headers: { "content-type": "application/json", "x-request-id": "abc-123" },
      });
    const { transport: client } = transport();

    const error = (await rejection(
      client.send({ method: "GET", url: `${registry}${manifestPath}` }),
    )) as RegistryResponseError;

    expect(error.status).toBe(404);
    expect(error.url).toBe(`${registry}${manifestPath}`);
    expect(error.requestId).toBe("abc-123");
    expect(error.errors).toEqual(body.errors);
    expect(error.message).toBe(
      `GET ${registry}${manifestPath} answered 404 (MANIFEST_UNKNOWN: manifest unknown; NAME_UNKNOWN: repository name not known to registry)`,
    );
  });

  it("ignores an HTML body from a proxy", async () => {
    agent
      .get(registry)
      .intercept({ path: manifestPath })
      .reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", {
        headers: { "content-type": "text/html" },
      });
    const { transport: client } = transport({ retry: { maxRetries: 0 } });

    const error = (await rejection(
      client.send({ method: "GET", url: `${registry}${manifestPath}` }),
    )) as RegistryResponseError;

    expect(error.status).toBe(502);
    expect(error.errors).toEqual([]);
    expect(error.message).toBe(`GET ${registry}${manifestPath} answered 502`);
  });

  it("maps a HEAD 404 by its status alone", async () => {
    agent.get(registry).intercept({ path: "/v2/app/blobs/sha256:abc", method: "HEAD" }).reply(404, "");
    const { transport: client } = transport();

    const error = (await rejection(
      client.send({ method: "HEAD", url: `${registry}/v2/app/blobs/sha256:abc` }),
    )) as RegistryResponseError;

    expect([error.status, error.method, error.errors]).toEqual([404, "HEAD", []]);
  });

  it("reads no more than errorBodyLimit bytes of an error body", async () => {
    const body = JSON.stringify({ errors: [{ code: "DENIED", message: "x".repeat(200) }] });
    agent.get(registry).intercept({ path: manifestPath }).reply(403, body).times(2);
    const limited = transport({ errorBodyLimit: 64 }).transport;
    const generous = transport().transport;

    const cut = (await rejection(
      limited.send({ method: "GET", url: `${registry}${manifestPath}` }),
    )) as RegistryResponseError;
    const whole = (await rejection(
      generous.send({ method: "GET", url: `${registry}${manifestPath}` }),
    )) as RegistryResponseError;

    expect(cut.errors).toEqual([]);
    expect(whole.hasCode("DENIED")).toBe(true);
  });

  it("treats a status outside expect as an error", async () => {
    agent.get(registry).intercept({ path: "/v2/app/manifests/v1", method: "PUT" }).reply(200, "");
    const { transport: client } = transport();

    const error = await rejection(
      client.send({ method: "PUT", url: `${registry}/v2/app/manifests/v1`, body: "{}", expect: [201] }),
    );

    expect((error as RegistryResponseError).status).toBe(200);
  });
});

describe("responses", () => {
  it("enforces the limit of bytes() and the JSON of json()", async () => {
    const pool = agent.get(registry);
    pool.intercept({ path: "/big" }).reply(200, "x".repeat(100), { headers: { "content-length": "100" } });
    pool.intercept({ path: "/chunked" }).reply(200, "x".repeat(100));
    pool.intercept({ path: "/text" }).reply(200, "not json");
    const { transport: client } = transport();

    const big = await client.send({ method: "GET", url: `${registry}/big` });
    const chunked = await client.send({ method: "GET", url: `${registry}/chunked` });
    const text = await client.send({ method: "GET", url: `${registry}/text` });

    expect(InvalidResponseError.isInstance(await rejection(big.bytes(10)))).toBe(true);
    expect(InvalidResponseError.isInstance(await rejection(chunked.bytes(10)))).toBe(true);
    expect(InvalidResponseError.isInstance(await rejection(text.json()))).toBe(true);
  });
});

describe("warnings", () => {
  it("passes each distinct Warning text to onWarning once", async () => {
    const pool = agent.get(registry);
    pool
      .intercept({ path: manifestPath })
      .reply(200, "", { headers: { warning: '299 - "this registry is deprecated"' } })
      .times(2);
    pool.intercept({ path: "/v2/" }).reply(200, "", {
      headers: { warning: ['299 - "this registry is deprecated"', '299 - "moving to \\"ghcr\\""'] },
    });
    const warnings: string[] = [];
    const { transport: client } = transport({ onWarning: (warning) => warnings.push(warning) });

    for (const path of [manifestPath, manifestPath, "/v2/"]) {
      await (await client.send({ method: "GET", url: `${registry}${path}` })).dump();
    }

    expect(warnings).toEqual(["this registry is deprecated", 'moving to "ghcr"']);
  });
});

describe("debug hook", () => {
  it("reports method, redacted URL, status and timing to onDebug and the diagnostics channel", async () => {
    const pool = agent.get(registry);
    pool.intercept({ path: "/v2/app/blobs/sha256:abc?token=hush" }).reply(503, "");
    pool.intercept({ path: "/v2/app/blobs/sha256:abc?token=hush" }).reply(200, "ok");
    const lines: string[] = [];
    const published: unknown[] = [];
    const listener = (message: unknown) => published.push(message);
    subscribe(transportDiagnosticsChannel, listener);
    let clock = 1000;
    const { transport: client } = transport({
      auth: createFakeAuth({ initial: "Bearer hush-token" }).strategy,
      clock: {
        now: () => clock,
        sleep: async (milliseconds) => {
          clock += milliseconds;
        },
      },
      onDebug: (line) => lines.push(line),
    });
    try {
      await (
        await client.send({ method: "GET", url: `${registry}/v2/app/blobs/sha256:abc?token=hush` })
      ).dump();
    } finally {
      unsubscribe(transportDiagnosticsChannel, listener);
    }

    const url = `${registry}/v2/app/blobs/sha256:abc?token=REDACTED`;
    expect(lines).toEqual([`GET ${url} retry 1 in 500ms (status 503)`, `GET ${url} 200 500ms`]);
    expect(published).toEqual([
      { type: "retry", method: "GET", url, attempt: 1, delay: 500, reason: "status 503", line: lines[0] },
      { type: "response", method: "GET", url, status: 200, milliseconds: 500, redirects: 0, line: lines[1] },
    ]);
    expect(JSON.stringify(published)).not.toContain("hush");
  });
});

describe("abort", () => {
  it("rejects with AbortError when the signal is already aborted", async () => {
    const { transport: client } = transport();
    const error = await rejection(
      client.send({ method: "GET", url: `${registry}${manifestPath}`, signal: AbortSignal.abort() }),
    );
    expect(AbortError.isInstance(error)).toBe(true);
  });

  it("aborts a request in flight", async () => {
    agent.get(registry).intercept({ path: manifestPath }).reply(200, "{}").delay(60_000);
    const { transport: client } = transport();
    const controller = new AbortController();

    const pending = client.send({
      method: "GET",
      url: `${registry}${manifestPath}`,
      signal: controller.signal,
    });
    controller.abort();

    expect(AbortError.isInstance(await rejection(pending))).toBe(true);
    agent.get(registry).cleanMocks();
  });

  it("aborts while waiting to retry", async () => {
    agent.get(registry).intercept({ path: manifestPath }).reply(503, "");
    const controller = new AbortController();
    const client = createTransport({
      dispatcher: agent,
      clock: {
        sleep: (_milliseconds, signal) =>
          new Promise((_resolve, reject) => {
            signal?.addEventListener("abort", () => reject(signal.reason));
            controller.abort();
          }),
      },
    });

    const error = await rejection(
      client.send({ method: "GET", url: `${registry}${manifestPath}`, signal: controller.signal }),
    );

    expect(AbortError.isInstance(error)).toBe(true);
  });
});

describe("bad input", () => {
  it.each([
    ["a relative URL", { method: "GET", url: "/v2/" }],
    ["an ftp URL", { method: "GET", url: "ftp://registry.test/v2/" }],
    ["user info in the URL", { method: "GET", url: "https://user:secret@registry.test/v2/" }],
    ["a bad method", { method: "G ET", url: `${registry}/v2/` }],
    ["a header with a newline", { method: "GET", url: `${registry}/v2/`, headers: { "x-a": "b\r\nc" } }],
    ["a body of the wrong type", { method: "PUT", url: `${registry}/v2/`, body: 42 }],
    ["a negative timeout", { method: "GET", url: `${registry}/v2/`, timeouts: { headers: -1 } }],
  ])("rejects %s with UsageError", async (_name, request) => {
    const { transport: client } = transport();
    const error = await rejection(client.send(request as never));
    expect(UsageError.isInstance(error)).toBe(true);
    expect(String(error)).not.toContain("secret");
  });

  it("wraps a failing strategy in AuthenticationError", async () => {
    const { transport: client } = transport({
      auth: {
        authorize: async () => {
          throw new TypeError("boom with Bearer abc.def");
        },
        challenge: async () => false,
      },
    });
    const error = await rejection(client.send({ method: "GET", url: `${registry}/v2/` }));
    expect(AuthenticationError.isInstance(error)).toBe(true);
    expect(String(error)).not.toContain("abc.def");
    expect(inspect(error, { depth: 5 })).not.toContain("abc.def");
  });

  it("refuses to send after close()", async () => {
    const { transport: client } = transport();
    await client.close();
    expect(
      UsageError.isInstance(await rejection(client.send({ method: "GET", url: `${registry}/v2/` }))),
    ).toBe(true);
  });
});
