/**
 * Internal: small helpers to read requests and write responses over `node:http`.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RegistryApiError } from "./registry-api-error.js";

/** Per-request changes a fault rule makes to the response body (`cut`, `corrupt`). */
export interface BodyFault {
  cutAfterBytes?: number;
  corruptOffset?: number;
}

/** Response headers every answer carries (`spec/PROTOCOL.md` §3.1 end-1). */
export const apiVersionHeader: Record<string, string> = {
  "Docker-Distribution-API-Version": "registry/2.0",
};

/** Reads the whole request body, refusing more than `limit` bytes with `status` and `code`. */
export async function readBody(
  request: IncomingMessage,
  limit: number,
  tooLarge: () => RegistryApiError,
): Promise<Uint8Array> {
  const declared = Number(request.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Drops whatever is left of a request body so the connection can be reused. */
export function drain(request: IncomingMessage): void {
  if (!request.readableEnded) request.resume();
}

/** Sends `status` with headers and an optional body, applying the request's body fault. */
export async function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string | number | string[]>,
  body?: Uint8Array | AsyncIterable<Uint8Array>,
  fault: BodyFault = {},
): Promise<void> {
  response.writeHead(status, { ...apiVersionHeader, ...headers });
  if (body === undefined || response.req.method === "HEAD") {
    response.end();
    return;
  }
  const source = body instanceof Uint8Array ? [body] : body;
  let position = 0;
  for await (const original of source) {
    let chunk = original;
    if (fault.corruptOffset !== undefined) {
      const at = fault.corruptOffset - position;
      if (at >= 0 && at < chunk.length) {
        chunk = Uint8Array.from(chunk);
        chunk[at] = (chunk[at] ?? 0) ^ 0xff;
      }
    }
    if (fault.cutAfterBytes !== undefined && position + chunk.length >= fault.cutAfterBytes) {
      const part = chunk.subarray(0, fault.cutAfterBytes - position);
      // The headers and the first bytes go out, then the connection drops: a body cut in flight.
      await new Promise<void>((resolve) => response.write(part, () => resolve()));
      response.destroy();
      return;
    }
    position += chunk.length;
    if (!response.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          response.off("drain", done);
          response.off("close", done);
          resolve();
        };
        response.on("drain", done);
        response.on("close", done);
      });
      if (response.destroyed) return;
    }
  }
  response.end();
}

/** Sends a JSON document. */
export function sendJson(
  response: ServerResponse,
  status: number,
  document: unknown,
  headers: Record<string, string | number | string[]> = {},
  fault?: BodyFault,
): Promise<void> {
  const body = Buffer.from(JSON.stringify(document));
  return send(
    response,
    status,
    { "Content-Type": "application/json", "Content-Length": body.length, ...headers },
    body,
    fault,
  );
}

/** Sends an OCI error body (`spec/PROTOCOL.md` §9.1). */
export function sendError(response: ServerResponse, error: RegistryApiError): Promise<void> {
  return sendJson(
    response,
    error.status,
    { errors: [{ code: error.ociCode, message: error.message }] },
    { ...error.headers },
  );
}

/** The first value of a request header. */
export function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
