import { describe, expect, it } from "vitest";
import { startScriptedServer } from "./scripted-server.ts";
import { uniqueName } from "./unique-name.ts";

describe("startScriptedServer", () => {
  it("records each request and answers with the handler's reply, JSON for an object body", async () => {
    const server = await startScriptedServer(async (request) =>
      request.method === "PUT"
        ? { status: 201, headers: { Location: "/there", "x-absent": undefined } }
        : { status: 404, body: { errors: [{ code: "NAME_UNKNOWN" }] } },
    );
    try {
      const put = await fetch(`${server.origin}/v2/team/app?x=1`, {
        method: "PUT",
        headers: { "x-one": "1" },
        body: "bytes",
      });
      const get = await fetch(`http://${server.host}/v2/missing`);
      expect([put.status, put.headers.get("location"), put.headers.has("x-absent")]).toEqual([
        201,
        "/there",
        false,
      ]);
      expect([get.status, get.headers.get("content-type"), await get.json()]).toEqual([
        404,
        "application/json",
        { errors: [{ code: "NAME_UNKNOWN" }] },
      ]);
      expect(
        server.requests.map((request) => [request.method, request.path, request.body.toString()]),
      ).toEqual([
        ["PUT", "/v2/team/app?x=1", "bytes"],
        ["GET", "/v2/missing", ""],
      ]);
      expect(server.requests[0]?.headers["x-one"]).toBe("1");
    } finally {
      await server.close();
    }
  });

  it("answers 599 with the error when the handler throws", async () => {
    const server = await startScriptedServer(() => {
      throw new Error("script ran out");
    });
    try {
      const response = await fetch(`${server.origin}/v2/`);
      expect([response.status, await response.text()]).toEqual([599, "Error: script ran out"]);
    } finally {
      await server.close();
    }
  });
});

describe("uniqueName", () => {
  it("names a repository under the prefix that no other call names", () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueName("team", "client")));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^team\/client-[0-9a-f]{8}$/);
  });
});
