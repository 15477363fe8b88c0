/**
 * The packages a PyodideExecutor loads into its sandbox (`packages: ["numpy", "pandas"]`): resolved
 * against the lock file when the executor is made (an unknown name fails at once, and the modules
 * they provide join the authorized imports), provided as checked wheels in one folder when the
 * first sandbox starts (package-wheels.ts), and handed to each sandbox it starts as the
 * {@link SandboxPackages} it loads before serving runs.
 */
import { join, resolve } from "node:path";

import { SandboxPackageError } from "../../errors.js";
import { pyodideVersion } from "./deno-command.js";
import { installedLockPath, readPackageLock, resolvePackages, type LockedPackage } from "./package-lock.js";
import { provideWheels } from "./package-wheels.js";
import { cacheDirectory } from "./snapshot.js";

/** The options of PyodideExecutor that choose packages and where their wheels come from. */
export interface PyodidePackageOptions {
  /** Packages of Pyodide's distribution to load into the sandbox (with what they depend on), e.g. `["numpy", "pandas"]`. */
  packages?: readonly string[];
  /** A folder holding the wheels (offline use): nothing is downloaded, and the sandbox may read this folder. */
  packagesDir?: string;
  /** The package index to download wheels from; by default Pyodide's CDN for the installed version. */
  packageIndexUrl?: string;
  /** Where downloaded wheels are kept; by default `<cache>/codeagent/pyodide/<version>/` in the user's cache folder. */
  packageCacheDir?: string;
  /** The lock file naming each package's wheel, sha256 and dependencies; by default the installed Pyodide's. */
  packageLockFile?: string;
}

/** What a sandbox is told to load: the names, the lock file that describes them, and the folder of their wheels. */
export interface SandboxPackages {
  readonly names: readonly string[];
  readonly lockFile: string;
  readonly wheelsDir: string;
}

/** Pyodide's own index of built packages for a version. */
export function defaultIndexUrl(version = pyodideVersion()): string {
  return `https://cdn.jsdelivr.net/pyodide/v${version}/full/`;
}

export function defaultPackageCacheDir(version = pyodideVersion()): string {
  return join(cacheDirectory(), "pyodide", version);
}

export class PyodidePackages {
  /** The top-level modules of every package loaded (dependencies too): the import gate lets them through. */
  readonly imports: readonly string[];
  private readonly locked: readonly LockedPackage[];
  private readonly lockFile: string;
  private provided: Promise<SandboxPackages> | undefined;

  private constructor(
    names: readonly string[],
    private readonly options: PyodidePackageOptions,
  ) {
    // Absolute paths: the sandbox gets read access to exactly these, whatever its working folder.
    this.lockFile = resolve(options.packageLockFile ?? installedLockPath());
    const lock = readPackageLock(this.lockFile);
    const installedAbi = this.lockFile === installedLockPath() ? lock.abiVersion : readPackageLock(installedLockPath()).abiVersion;
    if (lock.abiVersion !== installedAbi) {
      throw new SandboxPackageError(
        "bad-lock",
        undefined,
        `The lock file ${this.lockFile} is for Pyodide ABI ${lock.abiVersion ?? "(none given)"}, but the installed Pyodide ` +
          `${pyodideVersion()} has ABI ${installedAbi}: its wheels cannot load. Use the lock file of Pyodide ${pyodideVersion()}.`,
      );
    }
    this.locked = resolvePackages(lock, names);
    this.imports = [...new Set(this.locked.flatMap((locked) => locked.imports))];
  }

  /** The packages of these options, or undefined when none were asked for. */
  static fromOptions(options: PyodidePackageOptions): PyodidePackages | undefined {
    const names = (options.packages ?? []).map((name) => name.trim()).filter((name) => name !== "");
    return names.length === 0 ? undefined : new PyodidePackages(names, options);
  }

  /**
   * Wheels checked and in place, once per executor; a failure is not kept, so a later start tries
   * again (the index may be back).
   */
  provide(): Promise<SandboxPackages> {
    this.provided ??= provideWheels(this.locked, {
      indexUrl: this.options.packageIndexUrl ?? defaultIndexUrl(),
      cacheDir: resolve(this.options.packageCacheDir ?? defaultPackageCacheDir()),
      packagesDir: this.options.packagesDir === undefined ? undefined : resolve(this.options.packagesDir),
      lockPath: this.lockFile,
    }).then(
      (wheelsDir) => ({ names: this.locked.map((locked) => locked.name), lockFile: this.lockFile, wheelsDir }),
      (error: unknown) => {
        this.provided = undefined;
        throw error;
      },
    );
    return this.provided;
  }
}
