import { UsageError } from "@stevedore/core";
import { afterEach, describe, expect, it } from "vitest";
import { createRegistryServer, type RegistryServer } from "./create-registry-server.js";
import {
  blobOf,
  descriptor,
  emptyJson,
  json,
  ociManifest,
  type TestClient,
  testClient,
  testImage,
} from "./test-support/registry-client.js";

let server: RegistryServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server with `pageSize` referrers per page, a subject and seven referrers of two artifact types. */
async function start(pageSize: number): Promise<{ client: TestClient; subject: string; digests: string[] }> {
  server = createRegistryServer({ referrersPageSize: pageSize });
  const client = testClient((await server.listen()).url);
  const subject = testImage();
  const empty = blobOf("{}");
  await client.pushBlob("app", empty);
  const digests: string[] = [];
  for (let index = 0; index < 7; index++) {
    const referrer = json({
      schemaVersion: 2,
      mediaType: ociManifest,
      artifactType: index % 2 === 0 ? "application/example.even" : "application/example.odd",
      config: descriptor(emptyJson, empty),
      layers: [descriptor(emptyJson, empty)],
      subject: descriptor(ociManifest, subject.manifest),
      annotations: { "org.example.number": String(index) },
    });
    expect((await client.putManifest("app", referrer.digest, referrer)).status).toBe(201);
    digests.push(referrer.digest);
  }
  return { client, subject: subject.manifest.digest, digests: digests.sort() };
}

/** Every page from `path` on, following `Link`, as the digests of each page. */
async function pages(client: TestClient, path: string): Promise<string[][]> {
  const result: string[][] = [];
  for (let next: string | undefined = path; next !== undefined; ) {
    const response = await client.request("GET", next);
    expect(response.status).toBe(200);
    result.push((await response.json()).manifests.map((entry) => entry.digest));
    next = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1];
  }
  return result;
}

describe("referrers pages (spec/PROTOCOL.md §7.1)", () => {
  it("lists referrers referrersPageSize at a time, each page an index, linked until the last", async () => {
    const { client, subject, digests } = await start(3);
    const read = await pages(client, `/v2/app/referrers/${subject}`);
    expect(read.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(read.flat()).toEqual(digests);
  });

  it("keeps the artifactType filter on every page", async () => {
    const { client, subject } = await start(2);
    const first = await client.request(
      "GET",
      `/v2/app/referrers/${subject}?artifactType=${encodeURIComponent("application/example.even")}`,
    );
    expect(first.headers.get("oci-filters-applied")).toBe("artifactType");
    expect(first.headers.get("link")).toContain("artifactType=application%2Fexample.even");
    const read = await pages(
      client,
      `/v2/app/referrers/${subject}?artifactType=${encodeURIComponent("application/example.even")}`,
    );
    expect(read.map((page) => page.length)).toEqual([2, 2]);
  });

  it("sends no Link when the last page is exactly full, and one page without the option", async () => {
    const { client, subject } = await start(7);
    expect(await pages(client, `/v2/app/referrers/${subject}`)).toHaveLength(1);
    await server?.close();
    server = createRegistryServer();
    const plain = testClient((await server.listen()).url);
    const response = await plain.request("GET", `/v2/app/referrers/${subject}`);
    expect(response.headers.get("link")).toBeNull();
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses referrersPageSize %s with a UsageError", (pageSize) => {
    expect(() => createRegistryServer({ referrersPageSize: pageSize })).toThrow(UsageError);
  });
});
