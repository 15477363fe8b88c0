/**
 * Pyodide's lock file (`pyodide-lock.json`): every package built for one Pyodide release, with its
 * wheel's file name, sha256, the modules it provides and the packages it needs. Reading one and
 * resolving a list of names to the wheels to load, dependencies first.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

import { SandboxPackageError } from "../../errors.js";
import { pyodideDirectory, pyodideVersion } from "./deno-command.js";

/** One package of a lock file. */
export interface LockedPackage {
  readonly name: string;
  readonly fileName: string;
  readonly sha256: string;
  /** The top-level modules it provides (what `import` names). */
  readonly imports: readonly string[];
  readonly depends: readonly string[];
}

export interface PackageLock {
  readonly path: string;
  /** The ABI the wheels were built for; Pyodide refuses a lock of another ABI. */
  readonly abiVersion: string | undefined;
  /** By normalized name (see {@link normalizedPackageName}). */
  readonly packages: ReadonlyMap<string, LockedPackage>;
}

/** The lock file of the installed Pyodide package. */
export function installedLockPath(): string {
  return join(pyodideDirectory(), "pyodide-lock.json");
}

/** A package name as the lock file keys it: lower case, runs of `-`, `_` and `.` as one `-`. */
export function normalizedPackageName(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, "-");
}

/** A file name the cache and the sandbox can use as it is: no folders, no URL, nothing hidden. */
const PLAIN_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]*\.(whl|zip|tar|tar\.gz|tgz)$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function readPackageLock(path: string): PackageLock {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new SandboxPackageError(
      "bad-lock",
      undefined,
      `Could not read the package lock file ${path} (${error instanceof Error ? error.message : String(error)}). ` +
        "Pass packageLockFile a lock file in Pyodide's pyodide-lock.json format, or leave it out to use the installed Pyodide's.",
      { cause: error },
    );
  }
  const root = parsed as { info?: { abi_version?: unknown }; packages?: Record<string, Record<string, unknown>> };
  const packages = new Map<string, LockedPackage>();
  for (const [key, entry] of Object.entries(root.packages ?? {})) {
    const fileName = entry["file_name"];
    const sha256 = entry["sha256"];
    // An entry the host cannot fetch safely (a path or URL as its file, no checksum) is left out.
    if (typeof fileName !== "string" || !PLAIN_FILE_NAME.test(fileName) || typeof sha256 !== "string" || !SHA256_HEX.test(sha256)) continue;
    packages.set(normalizedPackageName(key), {
      name: typeof entry["name"] === "string" ? entry["name"] : key,
      fileName,
      sha256,
      imports: stringList(entry["imports"]),
      depends: stringList(entry["depends"]),
    });
  }
  const abiVersion = typeof root.info?.abi_version === "string" ? root.info.abi_version : undefined;
  return { path, abiVersion, packages };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

/**
 * The packages to load for `names`: each one and everything it depends on, each once, every
 * package after the ones it needs.
 */
export function resolvePackages(lock: PackageLock, names: readonly string[]): LockedPackage[] {
  const ordered: LockedPackage[] = [];
  const visited = new Set<string>();
  const visit = (name: string, neededBy: string | undefined) => {
    const key = normalizedPackageName(name);
    if (visited.has(key)) return;
    visited.add(key);
    const found = lock.packages.get(key);
    if (found === undefined) throw notInLock(lock, name, neededBy);
    for (const dependency of found.depends) visit(dependency, found.name);
    ordered.push(found);
  };
  for (const name of names) visit(name, undefined);
  return ordered;
}

function notInLock(lock: PackageLock, name: string, neededBy: string | undefined): SandboxPackageError {
  const installed = lock.path === installedLockPath();
  const which = installed ? `Pyodide ${pyodideVersion()}'s package lock (${lock.path})` : `the package lock file ${lock.path}`;
  const what = neededBy === undefined ? `Package "${name}" is not in ${which}` : `Package "${neededBy}" needs "${name}", which is not in ${which}`;
  const advice = installed
    ? "Only packages built for Pyodide can be loaded into its sandbox (pure-Python ones included, if Pyodide ships them): " +
      "check the name against the lock file, or use an executor that runs the machine's own Python for other packages."
    : "Add it (file name, sha256, depends, imports) to the lock file, or check the name.";
  return new SandboxPackageError("not-in-lock", name, `${what}. ${advice}`);
}
