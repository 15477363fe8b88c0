/**
 * The host's half of loading packages: puts the wheels a sandbox needs in one folder it may read,
 * each checked against the lock file's sha256. From `packagesDir` when one is given (offline: no
 * network at all), otherwise from the cache, downloading from the package index what it lacks.
 * The sandbox never fetches anything; it reads the folder this returns and nothing else.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { SandboxPackageError } from "../../errors.js";
import type { LockedPackage } from "./package-lock.js";

/** A wheel as large as pandas (~12 MB) over a slow link still arrives in this time. */
const DOWNLOAD_TIMEOUT_MS = 300_000;

/** Where the wheels come from. */
export interface WheelSource {
  /** The package index: `<indexUrl><file name>` is each wheel. */
  readonly indexUrl: string;
  /** Where downloaded wheels are kept across processes. */
  readonly cacheDir: string;
  /** A folder that already holds the wheels: used as it is, and nothing is downloaded. */
  readonly packagesDir?: string | undefined;
  /** The lock file the hashes come from, for messages. */
  readonly lockPath: string;
}

/** Downloads in flight in this process, so executors started together fetch each wheel once. */
const downloads = new Map<string, Promise<void>>();

/** The folder that holds every wheel of `packages`, checked; throws a {@link SandboxPackageError} when one cannot be had. */
export async function provideWheels(packages: readonly LockedPackage[], source: WheelSource): Promise<string> {
  if (source.packagesDir !== undefined) {
    const folder = source.packagesDir;
    for (const locked of packages) checkLocalWheel(locked, folder, source);
    return folder;
  }
  mkdirSync(source.cacheDir, { recursive: true });
  await Promise.all(packages.map((locked) => cachedWheel(locked, packages, source)));
  return source.cacheDir;
}

function sha256Of(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function checkLocalWheel(locked: LockedPackage, folder: string, source: WheelSource): void {
  const path = join(folder, locked.fileName);
  const bytes = readIfPresent(path);
  if (bytes === undefined) {
    throw new SandboxPackageError(
      "missing-file",
      locked.name,
      `The wheel ${locked.fileName} of package "${locked.name}" is not in packagesDir (${folder}). ` +
        `Download it from ${wheelUrl(source.indexUrl, locked.fileName)} into that folder.`,
    );
  }
  const actual = sha256Of(bytes);
  if (actual !== locked.sha256) throw hashMismatch(locked, path, actual, source, "Replace it with the file the lock file describes");
}

/** `wanted`: every package being provided, so a failed download can name all the wheels to fetch by hand. */
async function cachedWheel(locked: LockedPackage, wanted: readonly LockedPackage[], source: WheelSource): Promise<void> {
  const path = join(source.cacheDir, locked.fileName);
  const cached = readIfPresent(path);
  if (cached !== undefined && sha256Of(cached) === locked.sha256) return;
  const key = `${path}\n${locked.sha256}`;
  let download = downloads.get(key);
  if (download === undefined) {
    download = downloadWheel(locked, wanted, path, source).finally(() => downloads.delete(key));
    downloads.set(key, download);
  }
  await download;
}

/** Downloads one wheel, checks it, and moves it into the cache whole (a reader never sees half a file). */
async function downloadWheel(locked: LockedPackage, wanted: readonly LockedPackage[], path: string, source: WheelSource): Promise<void> {
  const url = wheelUrl(source.indexUrl, locked.fileName);
  let bytes: Uint8Array;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`the index answered HTTP ${response.status}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new SandboxPackageError(
      "unreachable",
      locked.name,
      `Could not download the wheel of package "${locked.name}" from ${url} (${downloadProblem(error)}). ` +
        "If this machine cannot reach the package index, download these wheels elsewhere into one folder and pass that " +
        `folder as packagesDir: ${wanted.map((each) => wheelUrl(source.indexUrl, each.fileName)).join(" ")} — ` +
        "or set packageIndexUrl to a mirror that serves them.",
      { cause: error },
    );
  }
  const actual = sha256Of(bytes);
  if (actual !== locked.sha256) {
    throw hashMismatch(locked, url, actual, source, "Nothing was cached. Check that packageIndexUrl serves the wheels of this lock file");
  }
  const partial = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.partial`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
}

function hashMismatch(locked: LockedPackage, from: string, actual: string, source: WheelSource, advice: string): SandboxPackageError {
  return new SandboxPackageError(
    "hash-mismatch",
    locked.name,
    `The wheel of package "${locked.name}" from ${from} has sha256 ${actual}, but the lock file ${source.lockPath} says ` +
      `${locked.sha256}: it is not the file that was locked, and was not loaded. ${advice}.`,
  );
}

function wheelUrl(indexUrl: string, fileName: string): string {
  return new URL(fileName, indexUrl.endsWith("/") ? indexUrl : `${indexUrl}/`).href;
}

/** What went wrong with a download, in words: fetch hides the network error in its cause. */
function downloadProblem(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ""}`;
  if (error.name === "TimeoutError") return `no answer within ${DOWNLOAD_TIMEOUT_MS / 1000} s`;
  return error.message;
}
