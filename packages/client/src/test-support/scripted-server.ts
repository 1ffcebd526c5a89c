/**
 * A registry scripted by one handler: a `node:http` server on 127.0.0.1 that records each request
 * (method, path, headers) and answers what the handler returns. For exact request sequences — auth
 * challenges, delete fallbacks — without a real registry.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as the server saw it. */
export interface SeenRequest {
  method: string;
  /** Path and query. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
}

/** The handler's answer; an object body is sent as JSON. */
export interface ScriptedReply {
  status: number;
  /** Headers to send; `undefined` values are left out. */
  headers?: Record<string, string | undefined>;
  body?: string | Uint8Array | object;
}

/** A running scripted server. */
export interface ScriptedServer {
  /** `127.0.0.1:PORT` */
  host: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a scripted server on 127.0.0.1 and a free port. */
export async function startScriptedServer(
  handler: (request: SeenRequest) => ScriptedReply,
): Promise<ScriptedServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    incoming.resume();
    incoming.on("end", () => {
      const request: SeenRequest = {
        method: incoming.method ?? "",
        path: incoming.url ?? "",
        headers: incoming.headers,
      };
      requests.push(request);
      const reply = handler(request);
      const body =
        reply.body === undefined
          ? Buffer.alloc(0)
          : typeof reply.body === "string" || reply.body instanceof Uint8Array
            ? Buffer.from(reply.body)
            : Buffer.from(JSON.stringify(reply.body));
      const json =
        reply.body !== undefined && typeof reply.body === "object" && !(reply.body instanceof Uint8Array);
      outgoing.writeHead(reply.status, {
        ...(json ? { "content-type": "application/json" } : {}),
        "content-length": String(body.length),
        ...Object.fromEntries(Object.entries(reply.headers ?? {}).filter(([, value]) => value !== undefined)),
      });
      outgoing.end(request.method === "HEAD" ? undefined : body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
