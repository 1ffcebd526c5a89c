/**
 * A blob server on 127.0.0.1 with byte-level faults, for the download tests: each request gets a plan —
 * honour `Range` or answer 200 with the whole blob, cut the connection after some bytes of the body,
 * corrupt a byte, or redirect elsewhere.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { closeServer, listen } from "@stevedore/testing";

/** A request as the server saw it. */
export interface BlobRequest {
  method: string;
  path: string;
  range: string | undefined;
}

/** What to do with one request. */
export interface BlobPlan {
  /** Answer a `Range` request with 206 (default), or ignore it and send the whole blob with 200. */
  honourRange?: boolean;
  /** Destroy the connection after this many bytes of the body (with the full Content-Length announced). */
  cutAfter?: number;
  /** Flip the bits of the byte at this offset of the blob. */
  corrupt?: number;
  /** Answer 307 with this `Location` instead. */
  redirect?: string;
  /** Send this many bytes of the body, then stall without ending (until the client gives up). */
  stallAfter?: number;
}

export interface BlobServer {
  host: string;
  origin: string;
  requests: BlobRequest[];
  close(): Promise<void>;
}

/** Serves `blob` for `GET /…/blobs/<its digest>` (and any path when `anyPath`), planned per request. */
export async function startBlobServer(
  blob: Uint8Array,
  plan: (request: BlobRequest, index: number) => BlobPlan = () => ({}),
  options: { anyPath?: boolean } = {},
): Promise<BlobServer> {
  const digest = `sha256:${createHash("sha256").update(blob).digest("hex")}`;
  const requests: BlobRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    const request: BlobRequest = {
      method: incoming.method ?? "",
      path: incoming.url ?? "",
      range: incoming.headers.range,
    };
    const index = requests.push(request) - 1;
    incoming.resume();
    if (!options.anyPath && !request.path.endsWith(`/blobs/${digest}`)) {
      const body = JSON.stringify({
        errors: [{ code: "BLOB_UNKNOWN", message: "blob unknown to registry" }],
      });
      outgoing.writeHead(404, { "content-type": "application/json", "content-length": body.length });
      outgoing.end(body);
      return;
    }
    const what = plan(request, index);
    if (what.redirect !== undefined) {
      outgoing.writeHead(307, { location: what.redirect, "content-length": 0 });
      outgoing.end();
      return;
    }
    const range = /^bytes=(\d+)-(\d*)$/.exec(request.range ?? "");
    let start = 0;
    let end = blob.length;
    const headers: Record<string, string | number> = {
      "content-type": "application/octet-stream",
      "docker-content-digest": digest,
      "accept-ranges": "bytes",
    };
    let status = 200;
    if (range !== null && what.honourRange !== false) {
      start = Number(range[1]);
      end = range[2] === "" ? blob.length : Math.min(Number(range[2]) + 1, blob.length);
      if (start >= blob.length) {
        outgoing.writeHead(416, { "content-range": `bytes */${blob.length}`, "content-length": 0 });
        outgoing.end();
        return;
      }
      status = 206;
      headers["content-range"] = `bytes ${start}-${end - 1}/${blob.length}`;
    }
    let body = Buffer.from(blob.subarray(start, end));
    if (what.corrupt !== undefined && what.corrupt >= start && what.corrupt < end) {
      body = Buffer.from(body);
      body[what.corrupt - start] = (body[what.corrupt - start] ?? 0) ^ 0xff;
    }
    headers["content-length"] = body.length;
    outgoing.writeHead(status, headers);
    if (request.method === "HEAD") {
      outgoing.end();
      return;
    }
    if (what.stallAfter !== undefined) {
      outgoing.write(body.subarray(0, what.stallAfter));
      return;
    }
    if (what.cutAfter !== undefined) {
      outgoing.write(body.subarray(0, what.cutAfter), () => outgoing.socket?.destroy());
      return;
    }
    outgoing.end(body);
  });
  const host = await listen(server);
  return {
    host,
    origin: `http://${host}`,
    requests,
    async close() {
      await closeServer(server);
    },
  };
}
