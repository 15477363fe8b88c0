import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";

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
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return Promise.resolve(match ? Number(match[1]) * 1024 : undefined);
  } catch {
    return Promise.resolve(undefined);
  }
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

  constructor(
    private readonly pid: number,
    private readonly onExceeded: (residentBytes: number, limitBytes: number) => void,
  ) {}

  /** The process may hold this much resident memory in all. */
  setLimit(bytes: number): void {
    this.limitBytes = bytes;
  }

  /** Starts checking (while the process runs code or answers a request). */
  start(): void {
    if (this.timer !== undefined || this.limitBytes === Infinity) return;
    this.timer = setInterval(() => void this.check(), reader.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async check(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const resident = await reader.read(this.pid);
      if (resident !== undefined && resident > this.limitBytes && this.timer !== undefined) {
        this.stop();
        this.onExceeded(resident, this.limitBytes);
      }
    } finally {
      this.reading = false;
    }
  }
}
