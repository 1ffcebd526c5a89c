/** An in-process server on 127.0.0.1 that hands each request to a handler with the raw response, for bytes-over-time tests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type ServerOptions } from "node:https";
import type { AddressInfo } from "node:net";
import { closeServer } from "./scripted-server.ts";

/** A request as the server saw it, body read to the end. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** A running recording server. */
export interface TestServer {
  /** `http://127.0.0.1:port` or `https://127.0.0.1:port`, no trailing slash. */
  origin: string;
  port: number;
  requests: RecordedRequest[];
  /**
   * Number of connections that carried a request. A TLS attempt on a plain-HTTP server (the transport tries
   * HTTPS first on loopback) carries none and is not counted.
   */
  connections(): number;
  close(): Promise<void>;
}

/** Answers one request on the raw response. */
export type Handler = (request: IncomingMessage, response: ServerResponse, recorded: RecordedRequest) => void;

/** Starts an HTTP (or, with `tls`, HTTPS) server on 127.0.0.1 that records every request and its body. */
export async function startRecordingServer(handler: Handler, tls?: ServerOptions): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  let connections = 0;
  const sockets = new WeakSet<object>();
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    if (!sockets.has(request.socket)) {
      sockets.add(request.socket);
      connections += 1;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const recorded: RecordedRequest = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(recorded);
      handler(request, response, recorded);
    });
  };
  const server: Server = tls ? createHttpsServer(tls, listener) : createServer(listener);
  server.on("tlsClientError", () => {});
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => connections,
    close: () => closeServer(server),
  };
}
