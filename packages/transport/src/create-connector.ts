/**
 * How the transport's pools open connections: undici's own connector, except that a plain-HTTP socket
 * reads up to 256 KiB at a time instead of Node's 64 KiB.
 *
 * Why: each socket read is a trip through libuv, the stream machinery and undici's parser (which copies the
 * chunk into its wasm memory) before the body reaches its consumer; a large blob takes thousands of them.
 * Given a larger buffer, a read takes what the kernel holds; larger than 256 KiB held more memory between
 * garbage collections (docs/decisions/0003-256-kib-socket-reads.md).
 *
 * How: Node's `onread` option lets a socket read into buffers the caller gives. Each connection reads into
 * the unused rest of its own 256 KiB slab (a new slab once less than 64 KiB is left), so small reads —
 * headers, JSON — share a slab; the bytes read are pushed into the socket as a view of the slab, as Node
 * pushes its own buffers, so undici reads the socket as usual and backpressure still stops the reads.
 * TLS sockets decrypt in 16 KiB records whatever the read size, so `https:` keeps undici's connector.
 */
import type { Socket } from "node:net";
import type { ConnectionOptions } from "node:tls";
import { buildConnector } from "undici";

/** What one read may fill at most: 256 KiB. */
const readSize = 256 * 1024;
/** The least a read is offered: Node's own read size. */
const minimumReadSize = 64 * 1024;

/** Options of the pools' connector. */
export interface ConnectorOptions {
  /** Milliseconds to establish a connection (TCP and TLS). */
  timeout: number;
  /** TLS settings for `https:` origins. */
  tls: ConnectionOptions;
  /** Offer `h2` by ALPN on `https:` origins (the pool must allow HTTP/2 too). */
  http2: boolean;
}

/** A connector for undici's `connect` option: large reads on `http:`, undici's own on `https:`. */
export function createConnector(options: ConnectorOptions): buildConnector.connector {
  const secure = buildConnector({
    timeout: options.timeout,
    allowH2: options.http2,
    ...options.tls,
  });
  return (target, callback) => {
    if (target.protocol !== "http:") return secure(target, callback);
    // A connector per connection: the `onread` buffers belong to one socket.
    return buildConnector({
      timeout: options.timeout,
      onread: largeReads(),
    })(target, callback);
  };
}

/** Node's `onread` for one socket: buffers cut from a slab, and the bytes read pushed as views of it. */
function largeReads(): {
  buffer: () => Uint8Array;
  callback: (this: Socket, bytes: number, buffer: Uint8Array) => boolean;
} {
  let slab = Buffer.allocUnsafe(readSize);
  let offset = 0;
  return {
    // Called once when the socket is set up, then after every read for the next one.
    buffer: () => {
      if (slab.length - offset < minimumReadSize) {
        slab = Buffer.allocUnsafe(readSize);
        offset = 0;
      }
      return slab.subarray(offset);
    },
    // `this` is the socket. The view keeps the slab alive for as long as its reader holds it, and nothing
    // writes into that part again: the next read starts after it.
    callback(bytes, buffer) {
      offset += bytes;
      return this.push(Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
    },
  };
}
