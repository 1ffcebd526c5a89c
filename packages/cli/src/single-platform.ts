import type { Platform } from "@stevedore/core";
import { UsageError } from "@stevedore/core";
import type { GlobalOptions } from "./global-options.js";

/**
 * The one platform a command such as `config` or `inspect` reads: `undefined` when `--platform` was not
 * given (the client picks `linux/<this CPU>`). `all`, or more than one, does not make sense there.
 *
 * @throws UsageError for `--platform all` or a list.
 */
export function singlePlatform(options: GlobalOptions, command: string): Platform | undefined {
  const { platforms } = options;
  if (platforms === undefined) return undefined;
  if (platforms === "all" || platforms.length !== 1) {
    const given = platforms === "all" ? "all" : `${platforms.length} platforms`;
    throw new UsageError(
      `${command} reads one platform (${given} given); give --platform os/arch[/variant] once`,
    );
  }
  return platforms[0];
}

/**
 * The per-call options of a read that takes one platform: the command's signal, and `platform` when
 * `--platform` was given ({@link singlePlatform} checks it, so call this before any request).
 */
export function singlePlatformCall(
  context: { options: GlobalOptions; signal: AbortSignal | undefined },
  command: string,
): { signal: AbortSignal | undefined; platform?: Platform } {
  const platform = singlePlatform(context.options, command);
  return { signal: context.signal, ...(platform === undefined ? {} : { platform }) };
}
