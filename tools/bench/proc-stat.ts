import { readdirSync, readFileSync } from "node:fs";

// Linux reports CPU times in clock ticks of USER_HZ, which is 100 on every mainstream architecture.
const ticksPerSecond = 100;

/** Busy (non-idle, non-iowait) CPU seconds of the whole machine since boot, from `/proc/stat`. */
export interface SystemCpu {
  busy: number;
}

/** Reads the machine's busy CPU seconds (all cores) from `/proc/stat`. */
export function readSystemCpu(): SystemCpu {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .map(Number);
  return { busy: (user + nice + system + irq + softirq + steal) / ticksPerSecond };
}

/** User + system CPU seconds of one process (not its children), from `/proc/PID/stat`; 0 once it is gone. */
export function readProcessCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are plain.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** The pid of the process whose command line contains every one of `parts`, if exactly one does. */
export function findProcess(parts: string[]): number | undefined {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
    } catch {
      continue;
    }
    if (parts.every((part) => commandLine.includes(part))) found.push(Number(entry));
  }
  return found.length === 1 ? found[0] : undefined;
}
