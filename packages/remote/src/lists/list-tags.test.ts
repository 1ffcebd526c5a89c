import {
  InvalidHeaderError,
  InvalidResponseError,
  NotFoundError,
  RegistryResponseError,
  UsageError,
} from "@stevedore/core";
import { rejection } from "@stevedore/testing";
import { describe, expect, it } from "vitest";
import { collect } from "../test-support/fixtures.js";
import { type ScriptedHandler, scriptedRegistryPerTest } from "../test-support/scripted-registry.js";

const seven = ["a", "b", "c", "d", "e", "f", "g"];

const serve = scriptedRegistryPerTest();

/**
 * Paginates like distribution with pagination working: at most `n` (and at most `cap`) tags after `last`,
 * and a relative `Link` to the next page while tags remain.
 */
function paginating(tags: readonly string[], cap = Number.POSITIVE_INFINITY): ScriptedHandler {
  return (request) => {
    const url = new URL(request.path, "http://registry.invalid");
    const n = url.searchParams.has("n") ? Number(url.searchParams.get("n")) : tags.length;
    const last = url.searchParams.get("last");
    const start = last === null ? 0 : tags.indexOf(last) + 1;
    const page = tags.slice(start, start + Math.min(n, cap));
    const headers: Record<string, string> = { "content-type": "application/json" };
    const end = start + page.length;
    if (end < tags.length) {
      headers.link = `</v2/team/app/tags/list?last=${page.at(-1)}&n=${n}>; rel="next"`;
    }
    return { status: 200, headers, body: { name: "team/app", tags: page } };
  };
}

describe("tags", () => {
  it("follows Link over 7 tags with n=2 and returns all of them in order", async () => {
    const scripted = await serve(paginating(seven));
    expect(await collect(scripted.remote().tags({ pageSize: 2 }))).toEqual(seven);
    expect(scripted.requests.map((request) => request.path)).toEqual([
      "/v2/team/app/tags/list?n=2",
      "/v2/team/app/tags/list?last=b&n=2",
      "/v2/team/app/tags/list?last=d&n=2",
      "/v2/team/app/tags/list?last=f&n=2",
    ]);
    expect(scripted.requests.every((request) => request.scopes.join() === "repository:team/app:pull")).toBe(
      true,
    );
  });

  it("does not stop at a page with fewer than n tags while a Link follows", async () => {
    const scripted = await serve(paginating(seven, 1));
    expect(await collect(scripted.remote().tags({ pageSize: 3 }))).toEqual(seven);
    expect(scripted.requests).toHaveLength(7);
  });

  it("stops at a page without Link, even when it is full", async () => {
    // distribution 2.8 ignores n and sends everything without a Link: one request, every tag.
    const scripted = await serve(() => ({ status: 200, body: { name: "team/app", tags: seven } }));
    expect(await collect(scripted.remote().tags({ pageSize: 2 }))).toEqual(seven);
    expect(scripted.requests).toHaveLength(1);
  });

  it("reads tags: null and a missing tags field as empty", async () => {
    const nullTags = await serve(() => ({ status: 200, body: { name: "team/app", tags: null } }));
    expect(await collect(nullTags.remote().tags())).toEqual([]);
    await nullTags.close();
    const missing = await serve(() => ({ status: 200, body: { name: "team/app" } }));
    expect(await collect(missing.remote().tags())).toEqual([]);
  });

  it("reads a 404 for the first page as a repository without tags", async () => {
    const scripted = await serve(() => ({ status: 404, body: { errors: [{ code: "NAME_UNKNOWN" }] } }));
    expect(await collect(scripted.remote().tags())).toEqual([]);
  });

  it("reports a 404 for the first page as NotFoundError naming the repository when asked to", async () => {
    const scripted = await serve(() => ({ status: 404, body: { errors: [{ code: "NAME_UNKNOWN" }] } }));
    const failure = await collect(scripted.remote().tags({ missingRepository: "error" })).catch(
      (e: unknown) => e,
    );
    expect(NotFoundError.isInstance(failure)).toBe(true);
    expect(String(failure)).toMatch(/repository .*team\/app not found \(NAME_UNKNOWN\)/);
  });

  it("leaves out referrers-tag-schema tags only when asked to", async () => {
    const digestTag = `sha256-${"ab".repeat(32)}`;
    const tags = ["v1", digestTag, `${digestTag}.sig`];
    const scripted = await serve(() => ({ status: 200, body: { tags } }));
    expect(await collect(scripted.remote().tags())).toEqual(tags);
    expect(await collect(scripted.remote().tags({ excludeReferrersTags: true }))).toEqual([
      "v1",
      `${digestTag}.sig`,
    ]);
    expect(await collect(scripted.remote({ excludeReferrersTags: true }).tags())).toEqual([
      "v1",
      `${digestTag}.sig`,
    ]);
  });

  it("rejects malformed pages, links off the registry and links that loop", async () => {
    const notStrings = await serve(() => ({ status: 200, body: { tags: [1, 2] } }));
    await expect(collect(notStrings.remote().tags())).rejects.toBeInstanceOf(InvalidResponseError);
    await notStrings.close();
    const offsite = await serve(() => ({
      status: 200,
      headers: { link: '<https://elsewhere.invalid/v2/team/app/tags/list?last=a>; rel="next"' },
      body: { tags: ["a"] },
    }));
    await expect(collect(offsite.remote().tags())).rejects.toThrow(/on another origin/);
    await offsite.close();
    let page = 0;
    const loop = await serve(() => {
      page += 1;
      const next = page % 2 === 1 ? "/v2/team/app/tags/list?last=a" : "/v2/team/app/tags/list";
      return { status: 200, headers: { link: `<${next}>; rel="next"` }, body: { tags: ["a"] } };
    });
    await expect(collect(loop.remote().tags())).rejects.toThrow(/already read/);
    await loop.close();
    const broken = await serve(() => ({
      status: 200,
      headers: { link: "no angle brackets" },
      body: { tags: [] },
    }));
    await expect(collect(broken.remote().tags())).rejects.toBeInstanceOf(InvalidHeaderError);
  });

  it("refuses a page size that is not a positive integer", async () => {
    const scripted = await serve(paginating(seven));
    for (const pageSize of [0, -1, 1.5, Number.NaN]) {
      await expect(collect(scripted.remote().tags({ pageSize }))).rejects.toBeInstanceOf(UsageError);
    }
    expect(scripted.requests).toEqual([]);
  });

  it("passes other failures on", async () => {
    const scripted = await serve(() => ({ status: 403, body: { errors: [{ code: "DENIED" }] } }));
    const error = await rejection(collect(scripted.remote().tags()));
    expect(RegistryResponseError.isInstance(error) && error.hasCode("DENIED")).toBe(true);
    expect(error).not.toBeInstanceOf(NotFoundError);
  });
});

describe("catalog", () => {
  it("follows Link with the registry:catalog:* scope", async () => {
    const repositories = ["team/a", "team/b", "team/c"];
    const scripted = await serve((request) => {
      const last = new URL(request.path, "http://registry.invalid").searchParams.get("last");
      const start = last === null ? 0 : repositories.indexOf(last) + 1;
      const page = repositories.slice(start, start + 2);
      const headers: Record<string, string> =
        start + 2 < repositories.length ? { link: `</v2/_catalog?last=${page.at(-1)}&n=2>; rel="next"` } : {};
      return { status: 200, headers, body: { repositories: page } };
    });
    expect(await collect(scripted.remote().catalog({ pageSize: 2 }))).toEqual(repositories);
    expect(scripted.requests.map((request) => request.path)).toEqual([
      "/v2/_catalog?n=2",
      "/v2/_catalog?last=team/b&n=2",
    ]);
    expect(scripted.requests[0]?.scopes).toEqual(["registry:catalog:*"]);
  });
});
