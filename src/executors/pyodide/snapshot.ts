import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import { denoArguments, denoExecutable, pyodideDirectory, pyodideVersion, sandboxReadable, SANDBOX_FILES } from "./deno-command.js";

const SNAPSHOT_TIMEOUT_MS = 120_000;
/** Snapshots of other versions are removed once unused this long (another install may still use them). */
const OUTDATED_AFTER_MS = 7 * 24 * 60 * 60 * 1000;
const PARTIAL_AFTER_MS = 60 * 60 * 1000;

/** Where codeagent keeps files worth reusing across processes (the Pyodide memory snapshot). */
export function cacheDirectory(): string {
  const configured = process.env["CODEAGENT_CACHE_DIR"];
  if (configured) return configured;
  return join(process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "codeagent");
}

/** What was recorded when a snapshot was made, checked before it is used. */
interface SnapshotRecord {
  size: number;
  sha256: string;
}

let snapshotPromise: Promise<string | undefined> | undefined;
/** The path `snapshotPromise` resolved to, once it has. */
let currentSnapshot: string | undefined;

/**
 * The path of a memory snapshot of a freshly loaded Pyodide, made once per Pyodide version and
 * sandbox scripts, then reused: starting from it skips most of Pyodide's start-up. Its size and
 * checksum are recorded beside it when it is made and checked once per process before it is used:
 * a truncated or corrupt file is removed and made again. Resolves to `undefined` when no snapshot
 * can be made (read-only disk, ...): sandboxes then start cold.
 */
export function pyodideSnapshot(): Promise<string | undefined> {
  snapshotPromise ??= makeSnapshotOnce().then(
    (path) => (currentSnapshot = path),
    () => undefined,
  );
  return snapshotPromise;
}

/**
 * Called when a sandbox failed to start from `path`: if the file is no longer what was recorded
 * (another process removed or damaged it), the next start makes a new one. Returns whether it did.
 */
export function snapshotFailed(path: string): boolean {
  if (isIntact(path)) return false;
  discard(path);
  if (currentSnapshot === path) {
    currentSnapshot = undefined;
    snapshotPromise = undefined;
  }
  return true;
}

function snapshotPath(): string {
  const hash = createHash("sha256").update(pyodideVersion());
  for (const file of [SANDBOX_FILES.main, ...SANDBOX_FILES.modules]) hash.update(readFileSync(file));
  const key = hash.digest("hex").slice(0, 16);
  return join(cacheDirectory(), `pyodide-${pyodideVersion()}-${key}.snapshot`);
}

async function makeSnapshotOnce(): Promise<string> {
  const path = snapshotPath();
  if (isIntact(path)) {
    // Marks it in use, so another installation's clean-up leaves it alone.
    utimesSync(path, new Date(), new Date());
    return path;
  }
  discard(path);
  const directory = cacheDirectory();
  mkdirSync(directory, { recursive: true });
  // Each maker writes its own files and renames them into place, so concurrent makers never clash;
  // the record goes last, so a snapshot without one (a maker that died half-way) is never trusted.
  const partial = `${path}.${process.pid}.${Date.now()}.partial`;
  try {
    await runSnapshotMaker(partial);
    const record = recordOf(partial);
    renameSync(partial, path);
    writeFileSync(partial, JSON.stringify(record));
    renameSync(partial, recordPath(path));
  } finally {
    rmSync(partial, { force: true });
  }
  removeOutdatedSnapshots(directory, path);
  return path;
}

function recordPath(path: string): string {
  return `${path}.json`;
}

function recordOf(path: string): SnapshotRecord {
  const bytes = readFileSync(path);
  return { size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** Whether the snapshot has exactly the size and checksum recorded when it was made. */
function isIntact(path: string): boolean {
  try {
    const recorded = JSON.parse(readFileSync(recordPath(path), "utf8")) as Partial<SnapshotRecord>;
    if (statSync(path).size !== recorded.size) return false;
    return recordOf(path).sha256 === recorded.sha256;
  } catch {
    return false;
  }
}

function discard(path: string): void {
  rmSync(recordPath(path), { force: true });
  rmSync(path, { force: true });
}

function runSnapshotMaker(outputPath: string): Promise<void> {
  const args = denoArguments({
    readable: sandboxReadable(),
    writable: [outputPath],
    args: [pyodideDirectory(), outputPath, "make-snapshot"],
  });
  return new Promise((resolve, reject) => {
    const child = spawn(denoExecutable(), args, { env: { NO_COLOR: "1" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-2000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), SNAPSHOT_TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0 && isNonEmptyFile(outputPath)) resolve();
      else reject(new Error(`snapshot maker exited with ${code}: ${stderr}`));
    });
  });
}

/**
 * Snapshots of other Pyodide versions or sandbox scripts are removed once nothing has touched them
 * for a week: another installed copy of codeagent may share this directory and still use its own.
 */
function removeOutdatedSnapshots(directory: string, current: string): void {
  const now = Date.now();
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (!name.startsWith("pyodide-") || path === current || path === recordPath(current)) continue;
    try {
      const age = now - statSync(path).mtimeMs;
      // A partial file is left only by a maker that was killed.
      if (name.endsWith(".partial") ? age > PARTIAL_AFTER_MS : name.endsWith(".snapshot") && age > OUTDATED_AFTER_MS) discard(path);
    } catch {
      // removed meanwhile
    }
  }
}

function isNonEmptyFile(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}
