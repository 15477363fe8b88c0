import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { SandboxError } from "../../errors.js";

const require = createRequire(import.meta.url);
const sandboxDirectory = dirname(fileURLToPath(import.meta.url));

/** The sandbox's own scripts: the main modules (a sandbox process, a shared process), then what they load. */
export const SANDBOX_FILES = Object.freeze({
  main: join(sandboxDirectory, "sandbox.mjs"),
  sharedMain: join(sandboxDirectory, "sandbox-host.mjs"),
  modules: Object.freeze(
    [
      "sandbox-intrinsics.mjs",
      "sandbox-serve.mjs",
      "sandbox-node-modules.mjs",
      "sandbox-worker.mjs",
      "sandbox-pipe.mjs",
      "interrupt-state.mjs",
      "sandbox-channel.mjs",
      "sandbox-interrupts.mjs",
      "sandbox-memory.mjs",
      "sandbox-warm-up.mjs",
      "sandbox-packages.mjs",
      "interrupt-worker.mjs",
      "runtime.py",
    ].map((name) => join(sandboxDirectory, name)),
  ),
});

/** Every file the sandbox process may read: Pyodide's distribution and the sandbox's scripts. */
export function sandboxReadable(): string[] {
  return [pyodideDirectory(), SANDBOX_FILES.main, SANDBOX_FILES.sharedMain, ...SANDBOX_FILES.modules];
}

/** Where Pyodide's npm package lives (its `pyodide.mjs`, wasm and standard library). */
export function pyodideDirectory(): string {
  return dirname(require.resolve("pyodide/package.json"));
}

/** The version of the installed Pyodide package. */
export function pyodideVersion(): string {
  return (require("pyodide/package.json") as { version: string }).version;
}

/**
 * The Deno binary that runs the sandbox. The `deno` npm package ships one per platform as an
 * optional dependency; its own install script may not have run, so look for the platform package.
 */
export function denoExecutable(): string {
  const fromEnvironment = process.env["CODEAGENT_DENO"];
  if (fromEnvironment) return fromEnvironment;
  const platformPackage = platformPackageName();
  const candidates: string[] = [];
  for (const name of [platformPackage, "deno"]) {
    try {
      candidates.push(join(dirname(require.resolve(`${name}/package.json`)), process.platform === "win32" ? "deno.exe" : "deno"));
    } catch {
      // not installed
    }
  }
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found === undefined) {
    throw new SandboxError(
      `The Pyodide sandbox needs Deno, which was not found (looked for the npm package ${platformPackage}). ` +
        "Run `npm install` so the `deno` dependency installs its binary for this platform, or set CODEAGENT_DENO to a deno executable.",
    );
  }
  return found;
}

function platformPackageName(): string {
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  if (process.platform === "linux") return `@deno/linux-${arch}-glibc`;
  if (process.platform === "darwin") return `@deno/darwin-${arch}`;
  return `@deno/win32-${arch}`;
}

/**
 * Deep recursion in Python (a deeply nested `json.loads`, a raised recursion limit) uses the
 * native stack of the process, not only the interpreter's own. With V8's default of about 1 MB it
 * runs out before Python's own check raises RecursionError, and the overflow is fatal to the
 * interpreter. So the process gets a 256 MB stack (pages are only used when recursion is deep)
 * and V8 is told it may use most of it; where the shell cannot raise the limit, V8 keeps its
 * default and nothing changes. runtime.py caps the recursion limit Python may set at what this
 * stack holds.
 */
const STACK_LIMIT_KB = 262_144;
const V8_STACK_KB = 240_000;

/**
 * Worker threads get a stack of a few megabytes from Deno whatever the process's limit, and V8 must
 * not be told more than that, or a deep recursion in one sandbox thread overflows it and ends the
 * whole shared process. Measured: 3.9 MB holds, 7 MB does not (V8's default is about 1 MB).
 */
const WORKER_V8_STACK_KB = 3_500;

/**
 * The command that runs `deno` with `denoArgs`: for a sandbox process (`largeStack`), with the
 * large stack where the platform allows.
 */
export function sandboxCommand(denoArgs: readonly string[], largeStack = true): { command: string; args: string[] } {
  const deno = denoExecutable();
  if (process.platform === "win32" || !largeStack) return { command: deno, args: [...denoArgs] };
  const script = `ulimit -s ${STACK_LIMIT_KB} 2>/dev/null && export DENO_V8_FLAGS=--stack-size=${V8_STACK_KB}; exec "$@"`;
  return { command: "/bin/sh", args: ["-c", script, "sh", deno, ...denoArgs] };
}

/** How the sandbox process is started: read-only access to exactly these files, nothing else. */
export interface DenoLaunch {
  /** A process for one sandbox (the default), or one that hosts several on worker threads. */
  readonly shared?: boolean;
  readonly readable: readonly string[];
  readonly writable?: readonly string[];
  readonly args: readonly string[];
}

/**
 * The `deno run` arguments. Permissions: read the listed files only; no write (except the snapshot
 * file while one is made), network, environment, subprocess, FFI or system information. Code
 * generation from strings is disabled, so even a JavaScript object reached from Python cannot eval.
 * V8's `gc` is exposed so the sandbox can return the snapshot's memory at once (sandbox-intrinsics.mjs
 * takes it away from Python), and its young generation is kept small: Python's objects live in the
 * wasm heap, so a large one only holds memory.
 */
export function denoArguments(launch: DenoLaunch): string[] {
  // Deno splits a permission list at commas: a path holding one would grant something else.
  const withComma = [...launch.readable, ...(launch.writable ?? [])].find((path) => path.includes(","));
  if (withComma !== undefined) {
    throw new SandboxError(`The sandbox cannot be given access to ${withComma}: Deno's permission lists cannot hold a path with a comma. Use a folder whose path has none.`);
  }
  const permissions = [`--allow-read=${launch.readable.join(",")}`];
  if (launch.writable?.length) permissions.push(`--allow-write=${launch.writable.join(",")}`);
  const v8Flags = ["--disallow-code-generation-from-strings", "--expose-gc", "--max-semi-space-size=1"];
  if (launch.shared) v8Flags.push(`--stack-size=${WORKER_V8_STACK_KB}`);
  return [
    "run",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--no-npm",
    "--quiet",
    ...permissions,
    `--v8-flags=${v8Flags.join(",")}`,
    launch.shared ? SANDBOX_FILES.sharedMain : SANDBOX_FILES.main,
    ...launch.args,
  ];
}
