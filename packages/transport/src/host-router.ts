/**
 * Per-host TLS settings (a private CA for one registry, `insecure` for another) need different connection
 * settings per origin. undici's `Agent` and proxy agents take one TLS configuration each, so the transport
 * keeps one agent per distinct host entry and this dispatcher sends each request to the agent of its
 * origin. With no per-host TLS there is a single agent and no router.
 */
import { Dispatcher } from "undici";
import { findHostOptions } from "./host-match.js";

/** Routes each dispatch to the dispatcher of its origin's host entry, or to the fallback. */
export class HostRouter extends Dispatcher {
  readonly #fallback: Dispatcher;
  readonly #routes: ReadonlyMap<string, Dispatcher>;

  constructor(fallback: Dispatcher, routes: ReadonlyMap<string, Dispatcher>) {
    super();
    this.#fallback = fallback;
    this.#routes = routes;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.#pick(options.origin).dispatch(options, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | undefined {
    const done = Promise.all(this.#all().map((dispatcher) => dispatcher.close())).then(() => undefined);
    if (callback === undefined) return done;
    done.then(callback, callback);
    return undefined;
  }

  override destroy(error: Error | null, callback: () => void): void;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null): Promise<void>;
  override destroy(): Promise<void>;
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | undefined {
    const error = typeof first === "function" ? null : (first ?? null);
    const callback = typeof first === "function" ? first : second;
    const done = Promise.all(this.#all().map((dispatcher) => dispatcher.destroy(error))).then(
      () => undefined,
    );
    if (callback === undefined) return done;
    done.then(callback, callback);
    return undefined;
  }

  #all(): Dispatcher[] {
    return [this.#fallback, ...this.#routes.values()];
  }

  #pick(origin: string | URL | undefined): Dispatcher {
    if (origin === undefined) return this.#fallback;
    try {
      return findHostOptions(this.#routes, new URL(origin)) ?? this.#fallback;
    } catch {
      return this.#fallback;
    }
  }
}
