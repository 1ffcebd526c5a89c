/**
 * Tells the user, once, that a registry's rate limit is running out (`spec/PROTOCOL.md` §15, §17 item 8):
 * Docker Hub counts every manifest GET, and a pull of a multi-platform image spends several. A warning
 * before the 429 lets a user log in or slow down instead of failing halfway through a job.
 */
import { parseRateLimit } from "./parse-rate-limit.js";

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** `remaining` at or below this share of `limit` is low. */
const lowShare = 0.05;
const maxRemembered = 1000;

/**
 * A watcher for the responses of one transport: given each response's headers and status, it returns a
 * warning text the first time the announced `ratelimit-remaining` is 0 or at most 5 % of the limit, and
 * nothing while it stays low. Once the count is above that again (a new window), a later drop warns again.
 * A 429 counts as warned without a warning: its error names the limit.
 */
export function createRateLimitWatch(): (headers: Headers, status: number) => string | undefined {
  const warned = new Set<string>();
  return (headers, status) => {
    const rateLimit = parseRateLimit(headers);
    if (rateLimit?.remaining === undefined) return undefined;
    const { limit, remaining, windowSeconds, source } = rateLimit;
    const key = `${source ?? ""} ${limit} ${windowSeconds ?? ""}`;
    if (remaining > limit * lowShare) {
      warned.delete(key);
      return undefined;
    }
    if (warned.has(key) || warned.size >= maxRemembered) return undefined;
    warned.add(key);
    if (status === 429) return undefined;
    const window = windowSeconds === undefined ? "" : ` per ${windowSeconds} s`;
    const who = source === undefined ? "" : ` for ${source}`;
    return remaining === 0
      ? `rate limit reached: 0 of ${limit}${window} remaining${who}; further requests will be refused (429) until the window allows more`
      : `rate limit nearly reached: ${remaining} of ${limit}${window} remaining${who}`;
  };
}
