/**
 * Whether a server speaks TLS, asked without TLS: a plain TCP connection sends one TLS ClientHello record
 * and reads the first bytes of the answer. A TLS server answers with a handshake (a ServerHello) or an
 * alert record; an HTTP server with `HTTP/1.x 400`, or by closing. One round trip, and node:tls is not
 * loaded for a server that turns out to be plain HTTP (docs/decisions/0011-tls-hello-probe.md).
 *
 * The hello's random field holds an empty line (`\r\n\r\n`): an HTTP server that reads a whole request
 * head before answering sees one end, answers 400 at once, and does not wait for the probe's timeout.
 * The handshake is never finished, so the fixed random field secures nothing and needs to secure nothing.
 */
import { connect, isIP } from "node:net";

/** What the probe concluded: `undefined` when nothing listens there (the connection was refused). */
export type TlsAnswer = boolean | undefined;

/** TLS record types a server may open its answer with: handshake (22) and alert (21). */
const handshakeRecord = 0x16;
const alertRecord = 0x15;

/**
 * Connects to `host`:`port`, sends {@link clientHello}, and resolves `true` when the answer starts with a
 * TLS record header, `false` on anything else (bytes that are not TLS, a close, an error, no answer within
 * `timeout` ms) and `undefined` when the connection is refused. Never rejects.
 */
export function speaksTls(host: string, port: number, timeout: number): Promise<TlsAnswer> {
  const hostname = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port });
    let answered = false;
    const finish = (answer: TlsAnswer): void => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(false), timeout);
    socket.setNoDelay(true);
    socket.on("connect", () => socket.write(clientHello(isIP(hostname) === 0 ? hostname : undefined)));
    let first: number | undefined;
    socket.on("data", (chunk: Buffer) => {
      // A record header starts with its type, then the version's major byte, 3; one byte can rule TLS out.
      for (const byte of chunk) {
        if (first === undefined) {
          first = byte;
          if (byte !== handshakeRecord && byte !== alertRecord) return finish(false);
        } else return finish(byte === 0x03);
      }
    });
    socket.on("end", () => finish(false));
    socket.on("close", () => finish(false));
    socket.on("error", (error: NodeJS.ErrnoException) =>
      finish(error.code === "ECONNREFUSED" ? undefined : false),
    );
  });
}

/** Cipher suites offered: TLS 1.3's three, then ECDHE with AES-GCM and ChaCha20 (ECDSA and RSA). */
const cipherSuites = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8];
/** x25519, secp256r1, secp384r1. */
const groups = [0x001d, 0x0017, 0x0018];
/** ECDSA P-256/SHA-256, RSA-PSS/SHA-256, RSA PKCS#1/SHA-256, and the same with SHA-384 and SHA-512. */
const signatureAlgorithms = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0603, 0x0806, 0x0601];

/**
 * A TLS 1.2 ClientHello record (RFC 5246 §7.4.1.2) that any TLS 1.2 or 1.3 server answers, with a
 * ServerHello or, if it wants something else, an alert. `serverName` adds SNI (a DNS name, not an IP).
 */
export function clientHello(serverName?: string): Buffer {
  const u16 = (value: number): number[] => [(value >> 8) & 0xff, value & 0xff];
  const list16 = (values: readonly number[]): number[] => [...u16(values.length * 2), ...values.flatMap(u16)];
  const extension = (type: number, body: readonly number[]): number[] => [
    ...u16(type),
    ...u16(body.length),
    ...body,
  ];
  const extensions: number[] = [
    ...extension(0x000a, list16(groups)),
    ...extension(0x000b, [1, 0]),
    ...extension(0x000d, list16(signatureAlgorithms)),
  ];
  if (serverName !== undefined) {
    const name = [...Buffer.from(serverName, "ascii")];
    extensions.unshift(...extension(0x0000, [...u16(name.length + 3), 0, ...u16(name.length), ...name]));
  }
  const random = [0x0d, 0x0a, 0x0d, 0x0a, ...Array.from({ length: 28 }, (_, index) => index + 0x20)];
  const body: number[] = [
    0x03,
    0x03,
    ...random,
    0, // no session id
    ...list16(cipherSuites),
    1,
    0, // compression: none
    ...u16(extensions.length),
    ...extensions,
  ];
  const handshake = [0x01, 0, ...u16(body.length), ...body];
  return Buffer.from([handshakeRecord, 0x03, 0x01, ...u16(handshake.length), ...handshake]);
}
