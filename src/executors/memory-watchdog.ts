import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

import { SandboxMemoryError } from "../errors.js";

/**
 * The memory wall around a whole sandbox process (Pyodide's Deno, Monty's Node), kept by the host.
 * Inside Pyodide, a hook on WebAssembly memory turns a too-large Python allocation into a
 * MemoryError, but that only covers the wasm heap: Python can reach JavaScript constructors and
 * allocate outside it; Monty's values can grow past its own limit as they cross into JS. So the host
 * reads the process's resident memory while it works (from /proc on Linux, from `ps` elsewhere)
 * and ends it once it passes the limit. The process cannot interfere: the reading happens here.
 */

/**
 * What the runtime itself takes besides the Python heap that `memoryLimitMb` caps: Deno, V8's heap,
 * Pyodide's JavaScript and compiled wasm code (an idle sandbox is about 185 MB resident), the up to
 * 256 MB of headroom the wasm limit grants for reporting a MemoryError (sandbox-memory.mjs), and
 * stack a deep recursion touches.
 */
export const RUNTIME_OVERHEAD_MB = 512;

const LINUX_INTERVAL_MS = 50;
const PS_INTERVAL_MS = 250;

/** Resident memory of `pid` in bytes, or undefined when it cannot be read. */
type ResidentReader = (pid: number) => Promise<number | undefined>;

function linuxResident(pid: number): Promise<number | undefined> {
  return Promise.resolve(linuxProcessResident(pid));
}

function linuxProcessResident(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The processes `pid` started, and theirs (Linux: each thread's `children` list). */
function linuxDescendants(pid: number, found: number[] = []): number[] {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const thread of threads) {
    let children = "";
    try {
      children = readFileSync(`/proc/${pid}/task/${thread}/children`, "utf8");
    } catch {
      continue;
    }
    for (const child of children.split(" ")) {
      const childPid = Number(child);
      // A bound on the walk: a fork bomb must not make the host read forever.
      if (childPid > 0 && found.length < MAX_DESCENDANTS && !found.includes(childPid)) {
        found.push(childPid);
        linuxDescendants(childPid, found);
      }
    }
  }
  return found;
}

const MAX_DESCENDANTS = 512;

/** Resident memory of `pid` and every process it started, in bytes (Linux). */
function linuxTreeResident(pid: number): Promise<number | undefined> {
  const own = linuxProcessResident(pid);
  if (own === undefined) return Promise.resolve(undefined);
  let total = own;
  for (const descendant of linuxDescendants(pid)) total += linuxProcessResident(descendant) ?? 0;
  return Promise.resolve(total);
}

function psResident(pid: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    execFile("ps", ["-o", "rss=", "-p", String(pid)], (error, stdout) => {
      const kilobytes = Number(stdout.trim());
      resolve(error || !Number.isFinite(kilobytes) || kilobytes <= 0 ? undefined : kilobytes * 1024);
    });
  });
}

const reader: { read: ResidentReader; intervalMs: number } =
  process.platform === "linux"
    ? { read: linuxResident, intervalMs: LINUX_INTERVAL_MS }
    : { read: psResident, intervalMs: PS_INTERVAL_MS };

/** Watches one process while it works; calls `onExceeded` once if it goes over the limit. */
export class MemoryWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private limitBytes = Infinity;
  private reading = false;

  private intervalMs = reader.intervalMs;
  private lastCheck = -Infinity;
  private readonly read: ResidentReader;

  /**
   * With `includeDescendants`, what the process started counts too (Linux; elsewhere the process
   * alone): code that may start processes must not get around the limit that way.
   */
  constructor(
    private readonly pid: number,
    private readonly onExceeded: (residentBytes: number, limitBytes: number) => void,
    { includeDescendants = false }: { includeDescendants?: boolean } = {},
  ) {
    this.read = includeDescendants && process.platform === "linux" ? linuxTreeResident : reader.read;
  }

  /** The process may hold this much resident memory in all. */
  setLimit(bytes: number): void {
    this.limitBytes = bytes;
  }

  /**
   * Starts checking (while the process runs code or answers a request), now and then at the
   * usual pace, or every `intervalMs` (slower, while it is idle).
   */
  start(intervalMs = reader.intervalMs): void {
    if (this.limitBytes === Infinity || (this.timer !== undefined && intervalMs === this.intervalMs)) return;
    this.stop();
    this.intervalMs = intervalMs;
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
    // A run shorter than the interval is still checked once, but back-to-back runs are not each.
    if (performance.now() - this.lastCheck >= reader.intervalMs) void this.check();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    this.lastCheck = performance.now();
    try {
      const resident = await this.read(this.pid);
      if (resident !== undefined && resident > this.limitBytes && this.timer !== undefined) {
        this.stop();
        this.onExceeded(resident, this.limitBytes);
      }
    } finally {
      this.reading = false;
    }
  }
}

/** Bytes in megabytes, rounded, for messages. */
export const megabytes = (bytes: number) => Math.round(bytes / (1024 * 1024));

/**
 * The error of a sandbox ended from outside for its memory: what it held (`subject`: "its
 * process", "its processes"), what it was allowed (`memoryLimitMb` plus `runtimeMb` for
 * `runtimeName`), and what to do.
 */
export function overMemoryError(
  subject: string,
  residentBytes: number,
  limitBytes: number,
  allowance: { memoryLimitMb: number; runtimeMb: number; runtimeName: string },
): SandboxMemoryError {
  return new SandboxMemoryError(
    `The sandbox went over its memory limit and was ended: ${subject} held ${megabytes(residentBytes)} MB, over the ` +
      `${megabytes(limitBytes)} MB allowed (memoryLimitMb ${allowance.memoryLimitMb} plus ${allowance.runtimeMb} MB for ${allowance.runtimeName}). ` +
      "Use less memory at once (work in smaller parts, drop what is no longer needed), or ask the user to raise memoryLimitMb.",
  );
}
