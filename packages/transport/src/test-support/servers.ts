/** In-process servers on 127.0.0.1 for the real-socket tests, and test certificates made with openssl. */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type ServerOptions } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

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

export type Handler = (request: IncomingMessage, response: ServerResponse, recorded: RecordedRequest) => void;

/** Starts an HTTP (or, with `tls`, HTTPS) server on 127.0.0.1 that records every request and its body. */
export async function startServer(handler: Handler, tls?: ServerOptions): Promise<TestServer> {
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface TestCertificate {
  cert: string;
  key: string;
}

/** A self-signed certificate (its own CA) for `subject`, with the given subjectAltName, made by openssl. */
export async function createCertificate(subject: string, altName: string): Promise<TestCertificate> {
  const folder = await mkdtemp(join(tmpdir(), "stevedore-transport-tls-"));
  try {
    const keyFile = join(folder, "key.pem");
    const certFile = join(folder, "cert.pem");
    await promisify(execFile)("openssl", [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-days",
      "1",
      "-subj",
      `/CN=${subject}`,
      "-addext",
      `subjectAltName=${altName}`,
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ]);
    return { cert: await readFile(certFile, "utf8"), key: await readFile(keyFile, "utf8") };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
