import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { ByteStream } from "@stevedore/core";
import { localIoError } from "@stevedore/core";
import type { CommandContext } from "./command-context.js";
import type { FlagDefinition } from "./command-definition.js";

/** `-o FILE`: where a command's byte output goes (stdout by default, or `-`). */
export const outputFlag: FlagDefinition<"output"> = {
  name: "output",
  short: "o",
  type: "string",
  valueName: "FILE",
  description: "write to FILE (- for stdout, the default)",
};

/**
 * Writes a stream to `-o FILE` (a temp file beside it, renamed when complete, so a failure leaves no half
 * file) or, for no `-o` or `-o -`, to stdout.
 */
export async function writeOutput(context: CommandContext, stream: ByteStream): Promise<void> {
  const output = context.flags.output;
  if (typeof output !== "string" || output === "-") {
    for await (const chunk of stream) await context.write(chunk);
    return;
  }
  const temporary = join(dirname(output), `.${randomUUID()}.tmp`);
  try {
    await pipeline(
      stream,
      createWriteStream(temporary, { flags: "wx" }),
      context.signal === undefined ? {} : { signal: context.signal },
    );
    await rename(temporary, output);
  } catch (error) {
    await rm(temporary, { force: true });
    throw localIoError("write", output, error);
  }
}
