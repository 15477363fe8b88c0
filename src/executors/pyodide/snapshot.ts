import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import { denoArguments, denoExecutable, pyodideDirectory, pyodideVersion, SANDBOX_FILES } from "./deno-command.js";

const SNAPSHOT_TIMEOUT_MS = 120_000;

/** Where codeagent keeps files worth reusing across processes (the Pyodide memory snapshot). */
export function cacheDirectory(): string {
  const configured = process.env["CODEAGENT_CACHE_DIR"];
  if (configured) return configured;
  return join(process.env["XDG_CACHE_HOME"] || join(homedir(), ".cache"), "codeagent");
}

let snapshotPromise: Promise<string | undefined> | undefined;

/**
 * The path of a memory snapshot of a freshly loaded Pyodide, made once per Pyodide version and
 * sandbox script, then reused: starting from it skips most of Pyodide's start-up. Resolves to
 * `undefined` when no snapshot can be made (read-only disk, ...): sandboxes then start cold.
 */
export function pyodideSnapshot(): Promise<string | undefined> {
  snapshotPromise ??= makeSnapshotOnce().catch(() => undefined);
  return snapshotPromise;
}

async function makeSnapshotOnce(): Promise<string> {
  const key = createHash("sha256")
    .update(pyodideVersion())
    .update(readFileSync(SANDBOX_FILES.main))
    .digest("hex")
    .slice(0, 16);
  const directory = cacheDirectory();
  const path = join(directory, `pyodide-${pyodideVersion()}-${key}.snapshot`);
  if (isFile(path)) return path;
  mkdirSync(directory, { recursive: true });
  // Each maker writes its own file and renames it into place, so concurrent makers never clash.
  const partial = `${path}.${process.pid}.${Date.now()}.partial`;
  try {
    await runSnapshotMaker(partial);
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
  removeOutdatedSnapshots(directory, path);
  return path;
}

function runSnapshotMaker(outputPath: string): Promise<void> {
  const pyodide = pyodideDirectory();
  const args = denoArguments({
    readable: [pyodide, SANDBOX_FILES.main, SANDBOX_FILES.interruptWorker, SANDBOX_FILES.runtime],
    writable: [outputPath],
    args: [pyodide, outputPath, "make-snapshot"],
  });
  return new Promise((resolve, reject) => {
    const child = spawn(denoExecutable(), args, { env: {}, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr = (stderr + text).slice(-2000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), SNAPSHOT_TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0 && isFile(outputPath)) resolve();
      else reject(new Error(`snapshot maker exited with ${code}: ${stderr}`));
    });
  });
}

/** Snapshots of other Pyodide versions or sandbox scripts are never read again. */
function removeOutdatedSnapshots(directory: string, current: string): void {
  for (const name of readdirSync(directory)) {
    const path = join(directory, name);
    if (name.startsWith("pyodide-") && name.endsWith(".snapshot") && path !== current) rmSync(path, { force: true });
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}
