import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** One request the proxy forwarded. */
export interface RecordedRequest {
  method: string;
  /** The path and query as sent (`/v2/bench/x/manifests/v1`). */
  path: string;
  /** The upstream's status, or 502 when the upstream could not be reached. */
  status: number;
  /** When the request arrived at the proxy (`performance.now()`, ms); recorded by the counting proxy. */
  arrived?: number;
  /** When the proxy finished sending the answer to the client (ms); 0 while it is under way. */
  answered?: number;
  /** The request's headers, with `recordHeaders` (to check what a client sent: `authorization`, `range`). */
  headers?: IncomingHttpHeaders;
  /** Body bytes passed back to the client by the counting proxy (fewer than the upstream sent when cut). */
  bytes?: number;
}

/** Options of {@link startCountingProxy}. */
export interface CountingProxyOptions {
  /** The plain-HTTP origin to forward to (`http://127.0.0.1:5000`). */
  upstream: string;
  /** Added before a request goes upstream and again before its answer comes back (one way, ms). */
  delay?: number;
  port?: number;
  /** Keep each request's headers in {@link RecordedRequest.headers}. */
  recordHeaders?: boolean;
  /**
   * Cuts an answer: called with each request, returns after how many body bytes the connection is
   * destroyed (the headers already sent), or undefined to pass the whole answer — a network failure mid-body.
   */
  cutAfter?: (request: RecordedRequest) => number | undefined;
}

/** A proxy listening on 127.0.0.1, forwarding to one registry and recording every request. */
export interface CountingProxy {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Every request forwarded since the start or the last {@link reset}, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Connections accepted since the start or the last reset (TLS probes included). */
  readonly connections: number;
  reset(): void;
  stop(): Promise<void>;
}

/**
 * Starts a plain-HTTP reverse proxy in front of a registry that counts requests — what the benchmark
 * reports as requests per operation and what tests assert request sequences with — and optionally adds
 * latency each way, so round trips cost what they cost over a network. The `Host` header passes through
 * unchanged: distribution then writes upload `Location`s naming the proxy, and clients stay on it.
 */
export async function startCountingProxy(options: CountingProxyOptions): Promise<CountingProxy> {
  const upstream = new URL(options.upstream);
  const delay = options.delay ?? 0;
  const requests: RecordedRequest[] = [];
  let connections = 0;
  const sockets = new Set<Socket>();

  const forward = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const record: RecordedRequest = {
      method: incoming.method ?? "GET",
      path: incoming.url ?? "/",
      status: 0,
      arrived: performance.now(),
      answered: 0,
      bytes: 0,
      ...(options.recordHeaders === true && { headers: { ...incoming.headers } }),
    };
    outgoing.once("finish", () => {
      record.answered = performance.now();
    });
    const cut = options.cutAfter?.(record);
    requests.push(record);
    if (delay > 0) await sleep(delay);
    const upstreamRequest = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: record.method,
        path: record.path,
        headers: incoming.headers,
      },
      (answer) => {
        record.status = answer.statusCode ?? 0;
        const reply = (): void => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
          if (cut === undefined) {
            answer.on("data", (chunk: Buffer) => {
              record.bytes = (record.bytes ?? 0) + chunk.length;
            });
            answer.pipe(outgoing);
            return;
          }
          outgoing.flushHeaders();
          answer.on("data", (chunk: Buffer) => {
            const before = record.bytes ?? 0;
            if (before >= cut) return;
            const part = chunk.subarray(0, cut - before);
            record.bytes = before + part.length;
            if (record.bytes < cut) {
              outgoing.write(part);
              return;
            }
            // The bytes before the cut reach the client, then the connection drops mid-body.
            answer.destroy();
            const socket = outgoing.socket;
            outgoing.write(part, () => socket?.destroy());
          });
          answer.on("end", () => outgoing.end());
        };
        if (delay > 0) setTimeout(reply, delay);
        else reply();
      },
    );
    upstreamRequest.on("error", () => {
      record.status = 502;
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(upstreamRequest);
  };

  const server: Server = createServer((incoming, outgoing) => {
    void forward(incoming, outgoing);
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  return {
    host,
    url: `http://${host}`,
    requests,
    get connections() {
      return connections;
    },
    reset() {
      requests.length = 0;
      connections = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A request as a short kind: `GET manifest`, `HEAD blob`, `POST upload`, `PATCH upload`, `PUT upload`,
 * `GET /v2/`, `GET tags` … — what request tables and sequence assertions compare.
 */
export function requestKind(recorded: Pick<RecordedRequest, "method" | "path">): string {
  const path = recorded.path.split("?")[0] ?? "";
  const kind = /\/manifests\/[^/]+$/.test(path)
    ? "manifest"
    : /\/blobs\/uploads\/?/.test(path)
      ? "upload"
      : /\/blobs\/[^/]+$/.test(path)
        ? "blob"
        : /\/tags\/list$/.test(path)
          ? "tags"
          : /\/referrers\//.test(path)
            ? "referrers"
            : path === "/v2/" || path === "/v2"
              ? "/v2/"
              : path;
  return `${recorded.method} ${kind}`;
}

/** Counts of each {@link requestKind}, e.g. `{ "GET blob": 3, "GET manifest": 1 }`. */
export function countKinds(
  requests: readonly Pick<RecordedRequest, "method" | "path">[],
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const recorded of requests) {
    const kind = requestKind(recorded);
    counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}
