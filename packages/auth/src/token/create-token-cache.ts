import type { Credentials } from "@stevedore/core";

/** A cached bearer token and what it was obtained with. */
export interface TokenEntry {
  token: string;
  /** Milliseconds since the epoch (by the injected clock) when the token stops being valid. */
  expiresAt: number;
  /** When to fetch a new one instead of using this: `expiresAt` minus the refresh margin. */
  refreshAt: number;
  /** The credentials the token was obtained with, to tell whether trying again could change anything. */
  credentials: Credentials | undefined;
  /** This token replaced one the registry refused; if it is refused too, give up (no loops). */
  replacesRefused: boolean;
}

/** A token cache with single-flight fetching, keyed by realm + service + sorted scopes (+ registry). */
export interface TokenCache {
  /** A token that is still fresh, or `undefined`. */
  fresh(key: string): TokenEntry | undefined;
  /** The fetch in flight for `key`, if any. */
  pending(key: string): Promise<TokenEntry> | undefined;
  /** A fresh token, or the result of `fetch` — shared by every caller that asks while it runs. */
  get(key: string, fetch: () => Promise<TokenEntry>): Promise<TokenEntry>;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
}

/** Creates a {@link TokenCache} that reads time from `now`. */
export function createTokenCache(now: () => number): TokenCache {
  const entries = new Map<string, TokenEntry>();
  const inFlight = new Map<string, Promise<TokenEntry>>();
  // Bumped by `clear()`, so a fetch that was running then does not refill the cache.
  let generation = 0;

  const fresh = (key: string): TokenEntry | undefined => {
    const entry = entries.get(key);
    return entry !== undefined && now() < entry.refreshAt ? entry : undefined;
  };

  return {
    fresh,
    pending: (key) => inFlight.get(key),
    get(key, fetch) {
      const entry = fresh(key);
      if (entry !== undefined) return Promise.resolve(entry);
      const running = inFlight.get(key);
      if (running !== undefined) return running;
      // No await between the lookup above and this `set`: concurrent callers find the promise.
      const started = generation;
      const promise = fetch().then(
        (result) => {
          if (started !== generation) return result;
          inFlight.delete(key);
          const time = now();
          for (const [other, old] of entries) if (old.expiresAt <= time) entries.delete(other);
          entries.set(key, result);
          return result;
        },
        (error: unknown) => {
          if (started === generation) inFlight.delete(key);
          throw error;
        },
      );
      inFlight.set(key, promise);
      return promise;
    },
    delete: (key) => {
      entries.delete(key);
    },
    clear: () => {
      generation++;
      entries.clear();
      inFlight.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
