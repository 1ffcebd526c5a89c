/**
 * An HTTP forwarder on 127.0.0.1 in front of a real registry that closes the connection in the middle of
 * the n-th `PATCH` body, after forwarding its first bytes, so resuming can be tested against what
 * distribution really does after a cut. Everything else passes through unchanged (the `Host` header
 * too, so the registry's `Location`s point back at the forwarder). Tests only.
 */
import { createServer, request as httpRequest } from "node:http";
import { closeServer, listen } from "./scripted-server.ts";

/** A running forwarder. */
export interface CuttingProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** `[method, status]` of every forwarded request; status `0` for the cut one. */
  readonly exchanges: [string, number][];
  close(): Promise<void>;
}

/**
 * Forwards to `upstream` (`http://127.0.0.1:PORT`), cutting the `nth` request of `method` (default
 * `PATCH`; every later one too when `every`) with a body longer than `afterBytes`, after that many bytes.
 */
export async function startCuttingProxy(
  upstream: string,
  cut: { nth: number; afterBytes: number; method?: string; every?: boolean },
): Promise<CuttingProxy> {
  const target = new URL(upstream);
  const exchanges: [string, number][] = [];
  let patches = 0;
  const server = createServer((incoming, outgoing) => {
    const method = incoming.method ?? "GET";
    const exchange: [string, number] = [method, 0];
    exchanges.push(exchange);
    // Only bodies long enough to be cut are counted (a manifest PUT is not the nth blob PUT).
    const long = Number(incoming.headers["content-length"] ?? Number.POSITIVE_INFINITY) > cut.afterBytes;
    const counted = method === (cut.method ?? "PATCH") && long ? ++patches : 0;
    const cutting = counted === cut.nth || (cut.every === true && counted > cut.nth);
    const forward = httpRequest(
      { host: target.hostname, port: target.port, method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        exchange[1] = answer.statusCode ?? 0;
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on("error", () => outgoing.destroy());
    if (!cutting) {
      incoming.pipe(forward);
      return;
    }
    let sent = 0;
    incoming.on("data", (chunk: Buffer) => {
      const piece = chunk.subarray(0, Math.max(0, cut.afterBytes - sent));
      sent += piece.length;
      if (piece.length > 0) forward.write(piece);
      if (sent < cut.afterBytes) return;
      incoming.removeAllListeners("data");
      // The registry sees its request body end early; the client sees its connection closed.
      forward.destroy();
      incoming.socket.destroy();
    });
  });
  return { host: await listen(server), exchanges, close: () => closeServer(server) };
}
