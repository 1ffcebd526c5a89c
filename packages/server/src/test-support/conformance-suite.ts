/**
 * A port of the OCI distribution conformance checks (`spec/PROTOCOL.md` §16.1, §16.2) to vitest, run
 * against any registry URL with plain `fetch`.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blobOf,
  descriptor,
  emptyJson,
  json,
  ociConfig,
  ociIndex,
  ociManifest,
  randomBlob,
  type TestClient,
  type TestResponse,
  testClient,
  testImage,
} from "./registry-client.js";

export interface StartedRegistry {
  url: string;
  close(): Promise<void>;
}

export function describeConformance(label: string, start: () => Promise<StartedRegistry>): void {
  describe(`OCI conformance: ${label}`, () => {
    let registry: StartedRegistry;
    let client: TestClient;
    const repo = "conformance/repo1";
    const repo2 = "conformance/repo2";
    beforeAll(async () => {
      registry = await start();
      client = testClient(registry.url);
    });
    afterAll(async () => {
      await registry.close();
    });

    const uploadUrl = (from: TestResponse | string, digest?: string): string => {
      const value = typeof from === "string" ? from : (from.headers.get("location") ?? "");
      const location = new URL(value, registry.url);
      if (digest !== undefined) location.searchParams.set("digest", digest);
      return location.pathname + location.search;
    };

    it("ping: GET /v2/ is 200", async () => {
      const response = await client.request("GET", "/v2/");
      expect(response.status).toBe(200);
      expect(response.headers.get("docker-distribution-api-version")).toBe("registry/2.0");
    });

    it("empty: an unused repository has 404 tags and 200 empty referrers", async () => {
      expect((await client.request("GET", "/v2/never/used/tags/list")).status).toBe(404);
      const referrers = await client.request("GET", `/v2/never/used/referrers/${randomBlob(8).digest}`);
      expect(referrers.status).toBe(200);
      expect(referrers.headers.get("content-type")).toBe(ociIndex);
      expect(await referrers.json()).toEqual({ schemaVersion: 2, mediaType: ociIndex, manifests: [] });
    });

    it("blobs: HEAD, GET and DELETE a pushed 512-byte blob; deletes are immediate", async () => {
      const blob = randomBlob(512);
      expect((await client.request("GET", `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(404);
      await client.pushBlob(repo, blob);
      const head = await client.request("HEAD", `/v2/${repo}/blobs/${blob.digest}`);
      expect(head.status).toBe(200);
      expect(head.headers.get("content-length")).toBe("512");
      expect(head.headers.get("docker-content-digest")).toBe(blob.digest);
      expect((await head.arrayBuffer()).byteLength).toBe(0);
      const get = await client.request("GET", `/v2/${repo}/blobs/${blob.digest}`);
      expect(get.headers.get("content-length")).toBe("512");
      expect(new Uint8Array(await get.arrayBuffer())).toEqual(blob.bytes);
      expect((await client.request("GET", `/v2/${repo2}/blobs/${blob.digest}`)).status).toBe(404);
      expect((await client.request("DELETE", `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(202);
      const after = await client.request("HEAD", `/v2/${repo}/blobs/${blob.digest}`);
      expect(after.status).toBe(404);
    });

    it("blobs: single POST with ?digest= is 201 with Location", async () => {
      const blob = randomBlob(300);
      const response = await client.request("POST", `/v2/${repo}/blobs/uploads/?digest=${blob.digest}`, {
        body: blob.bytes,
        headers: { "Content-Type": "application/octet-stream" },
      });
      expect(response.status).toBe(201);
      expect(response.headers.get("location")).toBe(`/v2/${repo}/blobs/${blob.digest}`);
      expect(response.headers.get("docker-content-digest")).toBe(blob.digest);
      const get = await client.request("GET", response.headers.get("location") ?? "");
      expect(new Uint8Array(await get.arrayBuffer())).toEqual(blob.bytes);
    });

    it("blobs: chunked upload of 3 chunks, the last one in the PUT", async () => {
      const blob = randomBlob(3 * 1024 + 100);
      const post = await client.request("POST", `/v2/${repo}/blobs/uploads/`, {
        headers: { "Content-Length": "0" },
      });
      expect(post.status).toBe(202);
      expect(post.headers.get("docker-upload-uuid")).toBeTruthy();
      let location = uploadUrl(post);
      const chunk = (start: number, end: number) => ({
        body: blob.bytes.subarray(start, end + 1),
        headers: { "Content-Range": `${start}-${end}`, "Content-Type": "application/octet-stream" },
      });
      for (const [start, end] of [
        [0, 1023],
        [1024, 2047],
      ] as const) {
        const patch = await client.request("PATCH", location, chunk(start, end));
        expect(patch.status).toBe(202);
        expect(patch.headers.get("range")).toBe(`0-${end}`);
        location = uploadUrl(patch);
      }
      const last = await client.request(
        "PUT",
        uploadUrl(location, blob.digest),
        chunk(2048, blob.bytes.length - 1),
      );
      expect(last.status).toBe(201);
      const get = await client.request("GET", `/v2/${repo}/blobs/${blob.digest}`);
      expect(new Uint8Array(await get.arrayBuffer())).toEqual(blob.bytes);
    });

    it("blobs: an out-of-order chunk is 416, the session lives on and GET status is 204 with the Range", async () => {
      const blob = randomBlob(2048);
      const post = await client.request("POST", `/v2/${repo}/blobs/uploads/`, {
        headers: { "Content-Length": "0" },
      });
      const location = uploadUrl(post);
      const part = (start: number, end: number) => ({
        body: blob.bytes.subarray(start, end + 1),
        headers: { "Content-Range": `${start}-${end}` },
      });
      expect((await client.request("PATCH", location, part(1024, 2047))).status).toBe(416);
      const first = await client.request("PATCH", location, part(0, 1023));
      expect(first.status).toBe(202);
      const again = await client.request("PATCH", uploadUrl(first), part(0, 1023));
      expect(again.status).toBe(416);
      expect((await again.json()).errors[0]?.code).toBe("RANGE_INVALID");
      const status = await client.request("GET", uploadUrl(first, blob.digest));
      expect(status.status).toBe(204);
      expect(status.headers.get("range")).toBe("0-1023");
      expect(status.headers.get("location")).toBeTruthy();
      const second = await client.request("PATCH", uploadUrl(status), part(1024, 2047));
      expect(second.status).toBe(202);
      const put = await client.request("PUT", uploadUrl(second, blob.digest), {
        headers: { "Content-Length": "0" },
      });
      expect(put.status).toBe(201);
    });

    it("blobs: streamed PATCH without Content-Range, then an empty PUT", async () => {
      const blob = randomBlob(4000);
      const post = await client.request("POST", `/v2/${repo}/blobs/uploads/`);
      const patch = await client.request("PATCH", uploadUrl(post), { body: blob.bytes });
      expect(patch.status).toBe(202);
      expect(patch.headers.get("range")).toBe("0-3999");
      const put = await client.request("PUT", uploadUrl(patch, blob.digest));
      expect(put.status).toBe(201);
      expect(put.headers.get("location")).toBe(`/v2/${repo}/blobs/${blob.digest}`);
    });

    it("blobs: cancel is 204 and the session is then unknown", async () => {
      const post = await client.request("POST", `/v2/${repo}/blobs/uploads/`);
      const location = uploadUrl(post);
      expect((await client.request("DELETE", location)).status).toBe(204);
      const status = await client.request("GET", location);
      expect(status.status).toBe(404);
      expect((await status.json()).errors[0]?.code).toBe("BLOB_UPLOAD_UNKNOWN");
    });

    it("blobs: mount from a repository holding the blob is 201; a missing blob or no from is 202", async () => {
      const blob = randomBlob(100);
      await client.pushBlob(repo2, blob);
      const mount = await client.request(
        "POST",
        `/v2/${repo}/blobs/uploads/?mount=${blob.digest}&from=${repo2}`,
      );
      expect(mount.status).toBe(201);
      expect(mount.headers.get("location")).toBe(`/v2/${repo}/blobs/${blob.digest}`);
      expect(mount.headers.get("docker-content-digest")).toBe(blob.digest);
      expect((await client.request("GET", `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(200);
      const missing = randomBlob(10).digest;
      const fallback = await client.request(
        "POST",
        `/v2/${repo}/blobs/uploads/?mount=${missing}&from=${repo2}`,
      );
      expect(fallback.status).toBe(202);
      expect(fallback.headers.get("location")).toMatch(new RegExp(`^/v2/${repo}/blobs/uploads/`));
      const other = randomBlob(50);
      await client.pushBlob(repo2, other);
      const withoutFrom = await client.request(
        "POST",
        `/v2/conformance/repo3/blobs/uploads/?mount=${other.digest}`,
      );
      expect(withoutFrom.status).toBe(202);
    });

    it("blobs: range requests give 206 with Content-Range, or 416", async () => {
      const blob = randomBlob(2048);
      await client.pushBlob(repo, blob);
      const range = async (value: string) =>
        client.request("GET", `/v2/${repo}/blobs/${blob.digest}`, { headers: { Range: value } });
      const cases: [string, number, number][] = [
        ["bytes=500-1499", 500, 1499],
        ["bytes=500-", 500, 2047],
        ["bytes=-500", 1548, 2047],
        ["bytes=2000-5000", 2000, 2047],
      ];
      for (const [value, start, end] of cases) {
        const response = await range(value);
        expect(response.status).toBe(206);
        expect(response.headers.get("content-range")).toBe(`bytes ${start}-${end}/2048`);
        expect(response.headers.get("content-length")).toBe(String(end - start + 1));
        expect(new Uint8Array(await response.arrayBuffer())).toEqual(blob.bytes.subarray(start, end + 1));
      }
      expect((await range("bytes=500-0")).status).toBe(416);
      expect((await range("bytes=5000-10000")).status).toBe(416);
    });

    it("blobs: the empty blob and {} push, HEAD, GET and DELETE", async () => {
      for (const blob of [blobOf(""), blobOf("{}")]) {
        await client.pushBlob(repo, blob);
        const head = await client.request("HEAD", `/v2/${repo}/blobs/${blob.digest}`);
        expect(head.headers.get("content-length")).toBe(String(blob.bytes.length));
        const get = await client.request("GET", `/v2/${repo}/blobs/${blob.digest}`);
        expect(new Uint8Array(await get.arrayBuffer())).toEqual(blob.bytes);
        expect((await client.request("DELETE", `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(202);
      }
      expect(blobOf("").digest).toBe(
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      );
    });

    it("blobs: a body with extra bytes fails the close with 400 DIGEST_INVALID in every flow", async () => {
      const blob = randomBlob(1024);
      const bad = new Uint8Array([...blob.bytes, 1, 2, 3]);
      const expectBad = async (response: TestResponse) => {
        expect(response.status).toBe(400);
        expect((await response.json()).errors[0]?.code).toBe("DIGEST_INVALID");
      };
      await expectBad(
        await client.request("POST", `/v2/${repo}/blobs/uploads/?digest=${blob.digest}`, { body: bad }),
      );
      const post = await client.request("POST", `/v2/${repo}/blobs/uploads/`);
      await expectBad(await client.request("PUT", uploadUrl(post, blob.digest), { body: bad }));
      const chunked = await client.request("POST", `/v2/${repo}/blobs/uploads/`);
      const patch = await client.request("PATCH", uploadUrl(chunked), {
        body: bad,
        headers: { "Content-Range": `0-${bad.length - 1}` },
      });
      await expectBad(await client.request("PUT", uploadUrl(patch, blob.digest)));
      // The failed session is gone, as in distribution.
      expect((await client.request("GET", uploadUrl(patch))).status).toBe(404);
      const streamed = await client.request("POST", `/v2/${repo}/blobs/uploads/`);
      const stream = await client.request("PATCH", uploadUrl(streamed), { body: bad });
      await expectBad(await client.request("PUT", uploadUrl(stream, blob.digest)));
      expect((await client.request("HEAD", `/v2/${repo}/blobs/${blob.digest}`)).status).toBe(404);
    });

    it("manifests: pushed by digest and tag, served byte-exact with type, length and digest", async () => {
      const image = testImage({ annotations: { "org.example": "x" }, newUnspecifiedField: { kept: true } });
      await client.pushBlob(repo, image.config);
      await client.pushBlob(repo, image.layer);
      const byDigest = await client.putManifest(repo, image.manifest.digest, image.manifest);
      expect(byDigest.status).toBe(201);
      expect(byDigest.headers.get("location")).toBe(`/v2/${repo}/manifests/${image.manifest.digest}`);
      expect(byDigest.headers.get("docker-content-digest")).toBe(image.manifest.digest);
      expect((await client.putManifest(repo, "tagtest0", image.manifest)).status).toBe(201);
      for (const reference of [image.manifest.digest, "tagtest0"]) {
        for (const method of ["GET", "HEAD"]) {
          const response = await client.request(method, `/v2/${repo}/manifests/${reference}`, {
            headers: { Accept: `${ociManifest}, ${ociIndex}` },
          });
          expect(response.status).toBe(200);
          expect(response.headers.get("content-type")).toBe(ociManifest);
          expect(response.headers.get("content-length")).toBe(String(image.manifest.bytes.length));
          expect(response.headers.get("docker-content-digest")).toBe(image.manifest.digest);
          const body = new Uint8Array(await response.arrayBuffer());
          expect(body).toEqual(method === "GET" ? image.manifest.bytes : new Uint8Array());
        }
      }
    });

    it("manifests: no mediaType, data fields, non-distributable layers never pushed, no layers", async () => {
      const config = json({});
      const foreign = randomBlob(20);
      const documents = [
        { schemaVersion: 2, config: descriptor(ociConfig, config), layers: [] },
        {
          schemaVersion: 2,
          mediaType: ociManifest,
          config: descriptor(emptyJson, blobOf("{}"), { data: Buffer.from("{}").toString("base64") }),
          layers: [
            descriptor("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", foreign, {
              urls: ["https://example.com/l"],
            }),
          ],
        },
      ];
      for (const document of documents) {
        const manifest = json(document);
        const response = await client.putManifest(repo, manifest.digest, manifest);
        expect(response.status).toBe(201);
        const get = await client.request("GET", `/v2/${repo}/manifests/${manifest.digest}`);
        expect(get.headers.get("content-type")).toBe(ociManifest);
        expect(new Uint8Array(await get.arrayBuffer())).toEqual(manifest.bytes);
      }
    });

    it("manifests: a 3.9 MB manifest (390 annotations of 10 000 characters) is accepted", async () => {
      const annotations: Record<string, string> = {};
      for (let index = 0; index < 390; index++) annotations[`org.example.${index}`] = "a".repeat(10_000);
      const manifest = json({
        schemaVersion: 2,
        mediaType: ociManifest,
        config: descriptor(emptyJson, blobOf("{}")),
        layers: [],
        annotations,
      });
      expect(manifest.bytes.length).toBeGreaterThan(3_900_000);
      expect((await client.putManifest(repo, manifest.digest, manifest)).status).toBe(201);
      const get = await client.request("GET", `/v2/${repo}/manifests/${manifest.digest}`);
      expect((await get.arrayBuffer()).byteLength).toBe(manifest.bytes.length);
    });

    it("manifests: bad digests, invalid formats and missing manifests", async () => {
      const manifest = testImage().manifest;
      const padded = blobOf(`${new TextDecoder().decode(manifest.bytes)}\n `);
      const wrong = await client.putManifest(repo, manifest.digest, padded);
      expect(wrong.status).toBe(400);
      expect((await wrong.json()).errors[0]?.code).toBe("DIGEST_INVALID");
      expect((await client.putManifest(repo, "sha256:baddigeststring", manifest)).status).toBe(400);
      expect([400, 404]).toContain(
        (await client.request("GET", `/v2/${repo}/manifests/sha256:totallywrong`)).status,
      );
      const missing = await client.request("GET", `/v2/${repo}/manifests/${randomBlob(5).digest}`);
      expect(missing.status).toBe(404);
      expect((await missing.json()).errors[0]?.code).toBe("MANIFEST_UNKNOWN");
      expect((await client.request("GET", `/v2/${repo}/manifests/nosuchtag`)).status).toBe(404);
      expect((await client.request("HEAD", `/v2/${repo}/manifests/.INVALID_MANIFEST_NAME`)).status).toBe(404);
      const invalid = await client.putManifest(repo, "broken", blobOf("{not json"));
      expect(invalid.status).toBe(400);
      expect((await invalid.json()).errors[0]?.code).toBe("MANIFEST_INVALID");
    });

    it("referrers: 5 referrers of a subject, artifactType filtering, and a subject that was never pushed", async () => {
      const name = "conformance/referrers";
      const subject = testImage();
      const missingSubject = testImage();
      const empty = blobOf("{}");
      await client.pushBlob(name, empty);
      const artifact = (
        extra: Record<string, unknown>,
        subjectBlob = subject.manifest,
        value = randomBytes(4).toString("hex"),
      ) =>
        json({
          schemaVersion: 2,
          mediaType: ociManifest,
          config: descriptor(emptyJson, empty),
          layers: [descriptor(emptyJson, empty)],
          subject: descriptor(ociManifest, subjectBlob),
          annotations: { "org.opencontainers.conformance.test": value },
          ...extra,
        });
      const referrers = [
        artifact({ config: descriptor("application/vnd.nhl.peanut.butter.bagel", empty) }),
        artifact({ artifactType: "application/vnd.nhl.peanut.butter.bagel" }),
        json({
          schemaVersion: 2,
          mediaType: ociIndex,
          artifactType: "application/vnd.food.stand",
          manifests: [],
          subject: descriptor(ociManifest, subject.manifest),
          annotations: { "org.opencontainers.conformance.test": "index" },
        }),
        artifact({ artifactType: "application/vnd.nba.strawberry.jam.croissant" }),
        artifact({ config: descriptor("application/vnd.nba.strawberry.jam.croissant", empty) }),
      ];
      for (const [index, referrer] of referrers.entries()) {
        if (index === 2) {
          await client.pushBlob(name, subject.config);
          await client.pushBlob(name, subject.layer);
          expect((await client.putManifest(name, "subject", subject.manifest)).status).toBe(201);
        }
        const type = index === 2 ? ociIndex : ociManifest;
        const response = await client.putManifest(name, referrer.digest, referrer, type);
        expect(response.status).toBe(201);
        expect(response.headers.get("oci-subject")).toBe(subject.manifest.digest);
      }
      const orphan = artifact({ artifactType: "application/vnd.orphan" }, missingSubject.manifest);
      expect((await client.putManifest(name, orphan.digest, orphan)).status).toBe(201);

      const all = await client.request("GET", `/v2/${name}/referrers/${subject.manifest.digest}`);
      expect(all.status).toBe(200);
      expect(all.headers.get("content-type")).toBe(ociIndex);
      expect(all.headers.get("oci-filters-applied")).toBeNull();
      const index = await all.json();
      expect(index.manifests).toHaveLength(5);
      for (const entry of index.manifests) {
        expect(Object.keys(entry.annotations)).toEqual(["org.opencontainers.conformance.test"]);
      }
      const food = index.manifests.find((entry: { mediaType: string }) => entry.mediaType === ociIndex);
      expect(food).toMatchObject({
        artifactType: "application/vnd.food.stand",
        digest: referrers[2]?.digest,
        size: referrers[2]?.bytes.length,
      });

      const filtered = await client.request(
        "GET",
        `/v2/${name}/referrers/${subject.manifest.digest}?artifactType=application/vnd.nhl.peanut.butter.bagel`,
      );
      expect(filtered.headers.get("oci-filters-applied")).toBe("artifactType");
      const bagels = (await filtered.json()).manifests
        .map((entry: { digest: string }) => entry.digest)
        .sort();
      expect(bagels).toEqual([referrers[0]?.digest, referrers[1]?.digest].sort());

      const orphans = await (
        await client.request("GET", `/v2/${name}/referrers/${missingSubject.manifest.digest}`)
      ).json();
      expect(orphans.manifests.map((entry: { digest: string }) => entry.digest)).toEqual([orphan.digest]);
      expect((await client.request("GET", `/v2/${name}/referrers/sha256:nothex`)).status).toBe(400);
    });

    it("tags: byte order, n, last and a Link chain", async () => {
      const name = "conformance/tags";
      const manifest = testImage().manifest;
      const tags = ["b", "B", "a", "A-1", "_x", "1.0", "latest"];
      for (const tag of tags) expect((await client.putManifest(name, tag, manifest)).status).toBe(201);
      const sorted = [...tags].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      const full = await (await client.request("GET", `/v2/${name}/tags/list`)).json();
      expect(full).toEqual({ name, tags: sorted });
      const seen: string[] = [];
      let next: string | undefined = `/v2/${name}/tags/list?n=2`;
      let pages = 0;
      while (next !== undefined) {
        const response = await client.request("GET", next);
        const page = await response.json();
        expect(page.tags.length).toBeLessThanOrEqual(2);
        seen.push(...page.tags);
        pages++;
        const link = response.headers.get("link");
        next = link === null ? undefined : /^<([^>]+)>;\s*rel="next"$/.exec(link)?.[1];
      }
      expect(seen).toEqual(sorted);
      expect(pages).toBe(4);
      const afterMiddle = await (
        await client.request("GET", `/v2/${name}/tags/list?last=${sorted[3]}`)
      ).json();
      expect(afterMiddle.tags).toEqual(sorted.slice(4));
      const zero = await client.request("GET", `/v2/${name}/tags/list?n=0`);
      expect((await zero.json()).tags).toEqual([]);
      expect(zero.headers.get("link")).toBeNull();
      const bad = await client.request("GET", `/v2/${name}/tags/list?n=-1`);
      expect(bad.status).toBe(400);
      expect((await bad.json()).errors[0]?.code).toBe("PAGINATION_NUMBER_INVALID");
    });

    it("content management: deleting a tag, then the manifest with its other tags, at once", async () => {
      const name = "conformance/manage";
      const image = testImage();
      await client.pushBlob(name, image.config);
      await client.pushBlob(name, image.layer);
      for (const tag of ["one", "two", "three"]) await client.putManifest(name, tag, image.manifest);
      expect((await client.request("DELETE", `/v2/${name}/manifests/one`)).status).toBe(202);
      expect((await client.request("HEAD", `/v2/${name}/manifests/one`)).status).toBe(404);
      expect((await (await client.request("GET", `/v2/${name}/tags/list`)).json()).tags).toEqual([
        "three",
        "two",
      ]);
      expect((await client.request("DELETE", `/v2/${name}/manifests/${image.manifest.digest}`)).status).toBe(
        202,
      );
      expect((await client.request("HEAD", `/v2/${name}/manifests/${image.manifest.digest}`)).status).toBe(
        404,
      );
      expect((await client.request("HEAD", `/v2/${name}/manifests/two`)).status).toBe(404);
      expect((await (await client.request("GET", `/v2/${name}/tags/list`)).json()).tags).toEqual([]);
      expect((await client.request("DELETE", `/v2/${name}/manifests/${image.manifest.digest}`)).status).toBe(
        404,
      );
      for (const blob of [image.config, image.layer]) {
        expect((await client.request("DELETE", `/v2/${name}/blobs/${blob.digest}`)).status).toBe(202);
        expect((await client.request("GET", `/v2/${name}/blobs/${blob.digest}`)).status).toBe(404);
      }
    });

    it("catalog lists repositories in byte order with pagination", async () => {
      const all = await (await client.request("GET", "/v2/_catalog")).json();
      expect(all.repositories).toContain(repo);
      expect(all.repositories).toEqual([...all.repositories].sort());
      const first = await client.request("GET", "/v2/_catalog?n=1");
      expect((await first.json()).repositories).toEqual(all.repositories.slice(0, 1));
      expect(first.headers.get("link")).toMatch(/^<\/v2\/_catalog\?n=1&last=[^>]+>; rel="next"$/);
    });

    it("a known path with another method is 405 UNSUPPORTED", async () => {
      const response = await client.request("POST", `/v2/${repo}/manifests/latest`);
      expect(response.status).toBe(405);
      expect((await response.json()).errors[0]?.code).toBe("UNSUPPORTED");
    });
  });
}
