/**
 * The loopback TLS probe (issue 12.5, issue 18.5): a TLS hello on a plain TCP connection tells TLS servers
 * from plain-HTTP ones — including servers that close at once or never answer — without an HTTP request.
 */
import { createServer, type Server, type Socket } from "node:net";
import {
  createCertificate,
  startRecordingServer,
  type TestCertificate,
  type TestServer,
} from "@stevedore/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { clientHello, speaksTls } from "./speaks-tls.js";

let certificate: TestCertificate;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  certificate = await createCertificate("localhost", "DNS:localhost,IP:127.0.0.1");
});

afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function httpServer(tls?: TestCertificate): Promise<TestServer> {
  const server = await startRecordingServer((_request, response) => response.end("{}"), tls);
  closers.push(() => server.close());
  return server;
}

/** A raw TCP server on 127.0.0.1 whose connections `onSocket` handles; its port. */
async function tcpServer(onSocket: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as { port: number }).port;
}

describe("speaksTls", () => {
  it("is true for a TLS server, by IP and by name (SNI), and sends it no HTTP request", async () => {
    const server = await httpServer(certificate);
    expect(await speaksTls("127.0.0.1", server.port, 10_000)).toBe(true);
    expect(await speaksTls("localhost", server.port, 10_000)).toBe(true);
    expect(server.requests).toEqual([]);
  });

  it("is false for a plain-HTTP server, which sees no request either", async () => {
    const server = await httpServer();
    expect(await speaksTls("127.0.0.1", server.port, 10_000)).toBe(false);
    expect(server.requests).toEqual([]);
  });

  it("is false for a server that answers only once it has read a whole request head", async () => {
    // Binary TLS bytes alone never end a head; the hello carries an empty line so that such a server answers.
    const port = await tcpServer((socket) => {
      let text = "";
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString("latin1");
        if (text.includes("\r\n\r\n")) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
      });
    });
    expect(await speaksTls("127.0.0.1", port, 10_000)).toBe(false);
  });

  it("is false for a server that closes the connection at once", async () => {
    const port = await tcpServer((socket) => socket.destroy());
    expect(await speaksTls("127.0.0.1", port, 10_000)).toBe(false);
  });

  it("is false, after its timeout, for a server that never answers", { timeout: 10_000 }, async () => {
    const port = await tcpServer(() => {});
    expect(await speaksTls("127.0.0.1", port, 200)).toBe(false);
  });

  it("is true for a server that answers the hello with a TLS alert", async () => {
    const port = await tcpServer((socket) =>
      socket.once("data", () => socket.end(Buffer.from([0x15, 3, 3, 0, 2, 2, 40]))),
    );
    expect(await speaksTls("127.0.0.1", port, 10_000)).toBe(true);
  });

  it("is undefined when nothing listens (the connection is refused)", async () => {
    const port = await tcpServer(() => {});
    await closers.pop()?.();
    expect(await speaksTls("127.0.0.1", port, 10_000)).toBeUndefined();
  });
});

describe("clientHello", () => {
  it("is one TLS handshake record whose lengths add up, with SNI only for a name", () => {
    for (const hello of [clientHello(), clientHello("localhost")]) {
      expect([hello[0], hello[1]]).toEqual([0x16, 0x03]);
      expect(hello.readUInt16BE(3)).toBe(hello.length - 5);
      expect(hello[5]).toBe(0x01);
      expect(hello.readUIntBE(6, 3)).toBe(hello.length - 9);
    }
    expect(clientHello("localhost").includes("localhost")).toBe(true);
    expect(clientHello("localhost").length - clientHello().length).toBe("localhost".length + 9);
  });
});
