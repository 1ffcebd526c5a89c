/**
 * A server scripted by one handler: `node:http` on 127.0.0.1 that records each request (method, path,
 * headers, body) and answers what the handler returns. For exact request sequences — auth challenges,
 * fallbacks, refusals — without a real registry.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the server saw it. */
export interface ScriptedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

/** The handler's answer. An object body is sent as JSON (`application/json` unless a type is given). */
export interface ScriptedReply {
  status: number;
  /** `undefined` values are not sent. */
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Uint8Array | object;
}

/** Answers one request; a throw becomes a 599 with the error as the body. */
export type ScriptedHandler<Request extends ScriptedRequest = ScriptedRequest> = (
  request: Request,
) => ScriptedReply | Promise<ScriptedReply>;

/** A running scripted server. */
export interface ScriptedServer {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** Every request so far, in arrival order. */
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

/**
 * Starts a scripted server on 127.0.0.1 and a free port.
 *
 * @example
 * const server = await startScriptedServer((request) =>
 *   request.path === "/v2/" ? { status: 200 } : { status: 404, body: { errors: [] } },
 * );
 */
export async function startScriptedServer(handler: ScriptedHandler): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const request: ScriptedRequest = {
        method: incoming.method ?? "",
        path: incoming.url ?? "",
        headers: headersOf(incoming),
        body: await readBody(incoming),
      };
      requests.push(request);
      let reply: ScriptedReply;
      try {
        reply = await handler(request);
      } catch (error) {
        reply = { status: 599, body: String(error) };
      }
      const json =
        reply.body !== undefined && typeof reply.body === "object" && !(reply.body instanceof Uint8Array);
      const body =
        reply.body === undefined
          ? Buffer.alloc(0)
          : json
            ? Buffer.from(JSON.stringify(reply.body))
            : Buffer.from(reply.body as string | Uint8Array);
      const headers: Record<string, string | string[]> = {
        ...(json ? { "content-type": "application/json" } : {}),
        "content-length": String(body.length),
      };
      for (const [name, value] of Object.entries(reply.headers ?? {}))
        if (value !== undefined) headers[name.toLowerCase()] = value;
      outgoing.writeHead(reply.status, headers);
      outgoing.end(request.method === "HEAD" ? undefined : body);
    })();
  });
  const host = await listen(server);
  return {
    host,
    origin: `http://${host}`,
    requests,
    close: () => closeServer(server),
  };
}

/** Listens on 127.0.0.1 and a free port; resolves with `127.0.0.1:PORT`. */
export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes `server` and every connection it still holds. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

function headersOf(incoming: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

async function readBody(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
