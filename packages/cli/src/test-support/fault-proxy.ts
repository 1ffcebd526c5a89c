/**
 * An HTTP forwarder on 127.0.0.1 in front of a registry that injects the faults of a hostile network
 * (issue 13): connections cut at a random offset of the request or the response body, 5xx answers, 429
 * with `Retry-After`, stalls, truncated and corrupted bodies. What happens to a request is decided by a
 * seeded generator keyed by the request itself (method, path, how often that request was seen), so one seed
 * replays the same faults however the client interleaves its requests. Tests only.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** The faults, as the proxy names them in {@link FaultProxy.injected}. */
export type FaultKind =
  | "status-5xx"
  | "status-429"
  | "cut-request"
  | "cut-response"
  | "stall"
  | "truncate"
  | "corrupt";

/** A running fault proxy. */
export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** Every fault injected so far, as `KIND METHOD PATH`. */
  readonly injected: string[];
  /** Starts a new run: faults from now on are drawn from `seed`; `rate` is the chance a request is hit. */
  reset(seed: number, rate: number): void;
  close(): Promise<void>;
}

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function hash(text: string): number {
  let value = 2_166_136_261;
  for (let index = 0; index < text.length; index++) {
    value = Math.imul(value ^ text.charCodeAt(index), 16_777_619);
  }
  return value >>> 0;
}

/** Each fault twice but stalls once: a stall costs a timeout, the others a round trip. */
const kinds: readonly FaultKind[] = [
  ...(["status-5xx", "status-429", "cut-request", "cut-response", "truncate", "corrupt"] as const).flatMap(
    (kind) => [kind, kind],
  ),
  "stall",
];

/** Forwards to `upstream` (`127.0.0.1:PORT`), injecting faults once {@link FaultProxy.reset} was called. */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const [upstreamHost, upstreamPort] = upstream.split(":") as [string, string];
  const injected: string[] = [];
  const seen = new Map<string, number>();
  const sockets = new Set<Socket>();
  let seed = 0;
  let rate = 0;

  const server = createServer((incoming, outgoing) => {
    const method = incoming.method ?? "GET";
    // Upload sessions get new ids on every execution: name them by order, so a seed replays.
    const path = ((incoming.url ?? "/").split("?", 1)[0] ?? "/").replace(
      /\/uploads\/[^/]+$/,
      "/uploads/SESSION",
    );
    const key = `${method} ${path}`;
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    const random = seededRandom(hash(`${seed}|${key}|${count}`));
    const hit = random() < rate;
    let kind = hit ? kinds[Math.floor(random() * kinds.length)] : undefined;
    const hasBody = method === "PUT" || method === "PATCH" || method === "POST";
    const declared = Number(incoming.headers["content-length"] ?? 0);
    if (kind === "cut-request" && !(hasBody && declared > 1)) kind = "cut-response";
    // Cancelling an upload waits up to 10 s for an answer by design; a stalled DELETE would only cost time.
    if (kind === "stall" && method === "DELETE") kind = "cut-response";
    if (kind !== undefined) injected.push(`${kind} ${key}`);
    if (kind === "status-5xx" || kind === "status-429") {
      incoming.resume();
      const status = kind === "status-429" ? 429 : [500, 502, 503][Math.floor(random() * 3)];
      const body = JSON.stringify({ errors: [{ code: status === 429 ? "TOOMANYREQUESTS" : "UNAVAILABLE" }] });
      outgoing.writeHead(status as number, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        ...(status === 429 ? { "retry-after": "1" } : {}),
      });
      outgoing.end(body);
      return;
    }
    const forward = httpRequest(
      { host: upstreamHost, port: upstreamPort, method, path: incoming.url, headers: incoming.headers },
      (answer) => respond(answer, outgoing, kind, random, method),
    );
    forward.on("error", () => outgoing.destroy());
    if (kind !== "cut-request") {
      incoming.pipe(forward);
      return;
    }
    // Forward a prefix of the body, then drop both connections: the registry sees its body end early.
    const limit = 1 + Math.floor(random() * (declared - 1));
    let sent = 0;
    incoming.on("data", (chunk: Buffer) => {
      if (sent >= limit) return;
      const piece = chunk.subarray(0, limit - sent);
      sent += piece.length;
      forward.write(piece);
      if (sent >= limit) {
        forward.destroy();
        incoming.socket.destroy();
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    injected,
    reset(next, nextRate) {
      seed = next;
      rate = nextRate;
      seen.clear();
      injected.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Passes the registry's answer on, spoiled as `kind` says. */
function respond(
  answer: IncomingMessage,
  outgoing: ServerResponse,
  kind: FaultKind | undefined,
  random: () => number,
  method: string,
): void {
  const status = answer.statusCode ?? 502;
  const length = Number(answer.headers["content-length"] ?? Number.NaN);
  const withBody = method !== "HEAD" && Number.isSafeInteger(length) && length > 1;
  if (
    kind === undefined ||
    kind === "cut-request" ||
    (!withBody && kind !== "cut-response" && kind !== "stall")
  ) {
    outgoing.writeHead(status, answer.headers);
    answer.pipe(outgoing);
    return;
  }
  if (!withBody) {
    // Nothing to cut or stall in: drop the connection before the answer, or never answer.
    answer.resume();
    if (kind === "cut-response") outgoing.socket?.destroy();
    return;
  }
  const offset = 1 + Math.floor(random() * (length - 1));
  if (kind === "truncate") {
    // A clean end, short of the bytes the registry meant to send.
    const headers = { ...answer.headers, "content-length": String(offset) };
    outgoing.writeHead(status, headers);
  } else {
    outgoing.writeHead(status, answer.headers);
  }
  let position = 0;
  answer.on("data", (chunk: Buffer) => {
    const start = position;
    position += chunk.length;
    if (kind === "corrupt") {
      if (offset >= start && offset < position) {
        const copy = Buffer.from(chunk);
        copy[offset - start] = (copy[offset - start] ?? 0) ^ 0xff;
        outgoing.write(copy);
      } else outgoing.write(chunk);
      return;
    }
    if (start >= offset) return;
    outgoing.write(chunk.subarray(0, offset - start));
    if (position < offset) return;
    answer.destroy();
    if (kind === "truncate") outgoing.end();
    else if (kind === "cut-response") outgoing.write("", () => outgoing.socket?.destroy());
    // A stall keeps the connection open and silent: the client's body timeout has to end it.
  });
  answer.on("end", () => {
    if (kind === "corrupt") outgoing.end();
  });
}
