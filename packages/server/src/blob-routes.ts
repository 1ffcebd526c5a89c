/**
 * Internal: blob GET, HEAD (with `Range`) and DELETE (`spec/PROTOCOL.md` §3.1 end-2, §8).
 */
import { type Digest, isDigest } from "@stevedore/core";
import { send } from "./http-helpers.js";
import { RegistryApiError } from "./registry-api-error.js";
import type { RouteContext } from "./route-context.js";

/** GET or HEAD of a blob; a single `Range` gives 206 or 416. */
export async function getBlob(context: RouteContext): Promise<void> {
  const { state, response } = context;
  const name = context.params.name ?? "";
  const digest = checkDigest(context.params.digest);
  const size = (await state.storage.hasBlobLink(name, digest))
    ? await state.storage.blobSize(digest)
    : undefined;
  if (size === undefined) throw new RegistryApiError(404, "BLOB_UNKNOWN", `blob ${digest} is not in ${name}`);
  const headers = {
    "Content-Type": "application/octet-stream",
    "Docker-Content-Digest": digest,
    "Accept-Ranges": "bytes",
    ETag: `"${digest}"`,
  };
  const range = parseRange(context.request.headers.range, size);
  if (range === "unsatisfiable") {
    throw new RegistryApiError(416, "RANGE_INVALID", "requested range is not satisfiable", {
      "Content-Range": `bytes */${size}`,
    });
  }
  if (range === undefined) {
    const body = size === 0 ? new Uint8Array() : state.storage.readBlob(digest, 0, size - 1);
    await send(response, 200, { ...headers, "Content-Length": size }, body, context.fault);
    return;
  }
  const [start, end] = range;
  await send(
    response,
    206,
    { ...headers, "Content-Length": end - start + 1, "Content-Range": `bytes ${start}-${end}/${size}` },
    state.storage.readBlob(digest, start, end),
    context.fault,
  );
}

/** DELETE of a blob: the repository's link goes at once (§8). */
export async function deleteBlob(context: RouteContext): Promise<void> {
  const name = context.params.name ?? "";
  const digest = checkDigest(context.params.digest);
  if (!(await context.state.storage.unlinkBlob(name, digest))) {
    throw new RegistryApiError(404, "BLOB_UNKNOWN", `blob ${digest} is not in ${name}`);
  }
  await send(context.response, 202, { "Content-Length": 0 });
}

/** The digest of a path, or 400 DIGEST_INVALID (§3.1). */
export function checkDigest(value: string | undefined): Digest {
  if (!isDigest(value)) {
    throw new RegistryApiError(
      400,
      "DIGEST_INVALID",
      `${JSON.stringify(String(value).slice(0, 80))} is not a digest`,
    );
  }
  return value;
}

/**
 * RFC 9110 §14.1.2 byte ranges, one range only: `[start, end]` inclusive, `"unsatisfiable"` for a 416,
 * `undefined` to answer with the whole blob (no header, several ranges, another unit).
 */
export function parseRange(
  value: string | undefined,
  size: number,
): [number, number] | "unsatisfiable" | undefined {
  if (value === undefined) return undefined;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(value);
  if (match === null) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || (last !== "" && Number(last) < start)) return "unsatisfiable";
  return [start, end];
}
