/**
 * A registry scripted by one handler function: a `node:http` server on 127.0.0.1 that records every
 * request the remote sends (method, path, headers, body, and the token scopes the remote passed to
 * `transport.send`) and answers with whatever the handler returns. For exact request sequences; the
 * byte-level faults (cut connections, ignored ranges) live in `blob-server.ts`.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createTransport, type TransportOptions, type TransportRequest } from "@stevedore/transport";
import { createRemote, type Remote } from "../create-remote.js";
import type { RemoteOptions } from "../resolve-remote-options.js";

/** A request as the registry saw it. */
export interface ScriptedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** The token scopes the remote passed to `transport.send`, as `type:name:actions`. */
  scopes: string[];
}

/** The handler's answer. An object body is sent as JSON. */
export interface ScriptedReply {
  status: number;
  /** `undefined` values are not sent. */
  headers?: Record<string, string | string[] | undefined>;
  body?: string | Uint8Array | object;
}

export type ScriptedHandler = (request: ScriptedRequest) => ScriptedReply | Promise<ScriptedReply>;

/** What {@link startScriptedRegistry} returns. */
export interface ScriptedRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  requests: ScriptedRequest[];
  /** A remote for `team/app` (unless overridden) on this registry, over a transport without retries. */
  remote(options?: Partial<RemoteOptions>, transportOptions?: TransportOptions): Remote;
  close(): Promise<void>;
}

/** Starts a scripted registry on 127.0.0.1 and a random port. */
export async function startScriptedRegistry(handler: ScriptedHandler): Promise<ScriptedRegistry> {
  const requests: ScriptedRequest[] = [];
  const pendingScopes: string[][] = [];
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const request: ScriptedRequest = {
        method: incoming.method ?? "",
        path: incoming.url ?? "",
        headers: headersOf(incoming),
        body: await readBody(incoming),
        scopes: pendingScopes.shift() ?? [],
      };
      requests.push(request);
      let reply: ScriptedReply;
      try {
        reply = await handler(request);
      } catch (error) {
        reply = { status: 599, body: String(error) };
      }
      const body =
        reply.body === undefined
          ? Buffer.alloc(0)
          : typeof reply.body === "string" || reply.body instanceof Uint8Array
            ? Buffer.from(reply.body)
            : Buffer.from(JSON.stringify(reply.body));
      const headers: Record<string, string | string[]> = { "content-length": String(body.length) };
      for (const [name, value] of Object.entries(reply.headers ?? {}))
        if (value !== undefined) headers[name] = value;
      outgoing.writeHead(reply.status, headers);
      outgoing.end(request.method === "HEAD" ? undefined : body);
    })();
  });
  const host = await listen(server);
  const transports: { close(): Promise<void> }[] = [];
  return {
    host,
    origin: `http://${host}`,
    requests,
    remote(options = {}, transportOptions = {}) {
      const transport = createTransport({ retry: { maxRetries: 0 }, ...transportOptions });
      transports.push(transport);
      const recording = {
        ...transport,
        send(request: TransportRequest) {
          pendingScopes.push(
            (request.scopes ?? []).map((scope) => `${scope.type}:${scope.name}:${scope.actions.join(",")}`),
          );
          return transport.send(request);
        },
      };
      return createRemote({ transport: recording, registry: host, repository: "team/app", ...options });
    },
    async close() {
      await Promise.all(transports.map((transport) => transport.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
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
