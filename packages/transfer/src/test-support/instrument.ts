/** A `Target` wrapper for the transfer tests: records every call and how many were in flight at once. */
import type { Descriptor, Target } from "@stevedore/core";

/** One recorded call. */
export interface Call {
  method: string;
  digest?: string;
  tag?: string;
}

/** What {@link instrument} returns: the wrapped target with its record. */
export type Instrumented<T extends Target> = T & {
  calls: Call[];
  /** Calls in flight now, and the most seen at once. */
  readonly active: number;
  readonly maxActive: number;
  /** Digests pushed, in call order. */
  pushed(): string[];
};

/** Options of {@link instrument}. */
export interface InstrumentOptions {
  /** Runs at the start of every call, before the real target; may wait (e.g. for the signal to abort). */
  before?: (call: Call, signal: AbortSignal | undefined) => Promise<void> | void;
  /** Let other ready work start before each call goes on, so overlapping calls really overlap. */
  yieldFirst?: boolean;
}

const methods = ["resolve", "fetch", "exists", "push", "tag", "mount", "referrers"] as const;

/** Wraps `target`, keeping its other properties (`registry`, `repository`…) and capabilities. */
export function instrument<T extends Target>(target: T, options: InstrumentOptions = {}): Instrumented<T> {
  const calls: Call[] = [];
  let active = 0;
  let maxActive = 0;
  const wrapped: Record<string, unknown> = { ...(target as object) };
  for (const method of methods) {
    const original = (target as unknown as Record<string, unknown>)[method];
    if (typeof original !== "function") continue;
    if (method === "referrers") {
      wrapped[method] = (subject: Descriptor, callOptions?: { signal?: AbortSignal }) => {
        calls.push({ method, digest: subject.digest });
        return original.call(target, subject, callOptions);
      };
      continue;
    }
    wrapped[method] = async (...parameters: unknown[]) => {
      const first = parameters[0];
      const call: Call = { method };
      if (typeof first === "string") call[method === "resolve" ? "tag" : "digest"] = first;
      else if (typeof first === "object" && first !== null) call.digest = (first as Descriptor).digest;
      if (method === "tag") call.tag = parameters[1] as string;
      calls.push(call);
      const callOptions = parameters.at(-1) as { signal?: AbortSignal } | undefined;
      active += 1;
      maxActive = Math.max(maxActive, active);
      try {
        await options.before?.(call, callOptions?.signal);
        if (options.yieldFirst) await new Promise((resolve) => setImmediate(resolve));
        return await original.apply(target, parameters);
      } finally {
        active -= 1;
      }
    };
  }
  Object.defineProperties(wrapped, {
    calls: { value: calls },
    active: { get: () => active },
    maxActive: { get: () => maxActive },
    pushed: { value: () => calls.filter((call) => call.method === "push").map((call) => call.digest) },
  });
  return wrapped as unknown as Instrumented<T>;
}
