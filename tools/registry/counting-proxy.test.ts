import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  type CountingProxy,
  countKinds,
  type RecordedRequest,
  requestKind,
  startCountingProxy,
} from "./counting-proxy.ts";

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** An upstream answering every request with its method and path, and 201 + a Location for POSTs. */
async function upstream(): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      const status = request.method === "POST" ? 202 : 200;
      response.writeHead(status, { location: `http://${request.headers.host}/v2/x/blobs/uploads/1` });
      response.end(`${request.method} ${request.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  stops.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function proxyTo(url: string): Promise<CountingProxy> {
  const proxy = await startCountingProxy({ upstream: url });
  stops.push(() => proxy.stop());
  return proxy;
}

describe("counting proxy", () => {
  it("forwards requests with their bodies and the Host header, and records each one", async () => {
    const proxy = await proxyTo(await upstream());
    const got = await fetch(`${proxy.url}/v2/team/app/manifests/v1`);
    expect(await got.text()).toBe("GET /v2/team/app/manifests/v1");
    const posted = await fetch(`${proxy.url}/v2/team/app/blobs/uploads/`, { method: "POST", body: "x" });
    await posted.text();
    expect(posted.status).toBe(202);
    expect(posted.headers.get("location")).toBe(`${proxy.url}/v2/x/blobs/uploads/1`);
    expect(proxy.requests).toMatchObject([
      { method: "GET", path: "/v2/team/app/manifests/v1", status: 200, bytes: 29 },
      { method: "POST", path: "/v2/team/app/blobs/uploads/", status: 202, bytes: 32 },
    ]);
    // Arrival and answer times, for the bench's trace of serial round trips: the POST went out after the
    // GET was answered.
    const [get, post] = proxy.requests as [RecordedRequest, RecordedRequest];
    const times = [get.arrived, get.answered, post.arrived, post.answered];
    expect(times.every((time) => typeof time === "number" && time > 0)).toBe(true);
    expect([...times].sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(times);
    proxy.reset();
    expect(proxy.requests).toEqual([]);
  });

  it("answers 502 and records it when the upstream is gone", async () => {
    const proxy = await proxyTo("http://127.0.0.1:1");
    const answer = await fetch(`${proxy.url}/v2/`);
    await answer.text();
    expect(answer.status).toBe(502);
    expect(proxy.requests).toMatchObject([{ method: "GET", path: "/v2/", status: 502, bytes: 0 }]);
  });

  it("records headers when asked, and cuts an answer after the bytes cutAfter names", async () => {
    const body = Buffer.alloc(256 * 1024, 7);
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { "content-length": body.length });
      response.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    stops.push(() => new Promise((resolve) => server.close(() => resolve())));
    const proxy = await startCountingProxy({
      upstream: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      recordHeaders: true,
      cutAfter: (request) => (request.path === "/cut" ? 1000 : undefined),
    });
    stops.push(() => proxy.stop());

    const whole = await fetch(`${proxy.url}/whole`, { headers: { range: "bytes=5-" } });
    expect((await whole.arrayBuffer()).byteLength).toBe(body.length);
    const cut = await fetch(`${proxy.url}/cut`);
    const reader = cut.body!.getReader();
    let received = 0;
    const read = async (): Promise<void> => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        received += value.length;
      }
    };
    await expect(read()).rejects.toThrow();
    expect(received).toBe(1000);
    expect(proxy.requests.map(({ path, bytes }) => ({ path, bytes }))).toEqual([
      { path: "/whole", bytes: body.length },
      { path: "/cut", bytes: 1000 },
    ]);
    expect(proxy.requests[0]?.headers?.range).toBe("bytes=5-");
  });

  it("names each request by kind", () => {
    const kinds = [
      { method: "GET", path: "/v2/" },
      { method: "HEAD", path: "/v2/a/b/manifests/sha256:00" },
      { method: "GET", path: "/v2/a/blobs/sha256:00" },
      { method: "POST", path: "/v2/a/blobs/uploads/?mount=sha256:00&from=b" },
      { method: "PATCH", path: "/v2/a/blobs/uploads/8f1c?_state=x" },
      { method: "GET", path: "/v2/a/tags/list?n=10" },
      { method: "GET", path: "/v2/a/referrers/sha256:00" },
    ].map(requestKind);
    expect(kinds).toEqual([
      "GET /v2/",
      "HEAD manifest",
      "GET blob",
      "POST upload",
      "PATCH upload",
      "GET tags",
      "GET referrers",
    ]);
    expect(
      countKinds([
        { method: "GET", path: "/v2/a/blobs/sha256:00" },
        { method: "GET", path: "/v2/a/blobs/sha256:11" },
      ]),
    ).toEqual({ "GET blob": 2 });
  });
});
