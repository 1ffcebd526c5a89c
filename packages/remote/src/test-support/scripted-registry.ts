/**
 * A registry scripted by one handler function (`@stevedore/testing`'s scripted server) that also records the
 * token scopes the remote passed to `transport.send` with each request, and makes remotes for itself. For
 * exact request sequences; the byte-level faults (cut connections, ignored ranges) live in `blob-server.ts`.
 */

import {
  closeAfter,
  type ScriptedReply,
  type ScriptedRequest as ServerRequest,
  startScriptedServer,
} from "@stevedore/testing";
import { createTransport, type TransportOptions, type TransportRequest } from "@stevedore/transport";
import { afterEach } from "vitest";
import { createRemote, type Remote } from "../create-remote.js";
import type { RemoteOptions } from "../resolve-remote-options.js";

export type { ScriptedReply } from "@stevedore/testing";

/** A request as the registry saw it, with the scopes the remote asked for. */
export interface ScriptedRequest extends ServerRequest {
  /** The token scopes the remote passed to `transport.send`, as `type:name:actions`. */
  scopes: string[];
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
  const server = await startScriptedServer((seen) => {
    const request = { ...seen, scopes: pendingScopes.shift() ?? [] };
    requests.push(request);
    return handler(request);
  });
  const transports: { close(): Promise<void> }[] = [];
  return {
    host: server.host,
    origin: server.origin,
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
      return createRemote({
        transport: recording,
        registry: server.host,
        repository: "team/app",
        ...options,
      });
    },
    async close() {
      await Promise.all(transports.map((transport) => transport.close()));
      await server.close();
    },
  };
}

/**
 * `serve(handler)` for one test file: starts a scripted registry, closed with every other one it started
 * after each test.
 */
export function scriptedRegistryPerTest(): (handler: ScriptedHandler) => Promise<ScriptedRegistry> {
  const track = closeAfter(afterEach);
  return async (handler) => track(await startScriptedRegistry(handler));
}
