/**
 * Packages in the Pyodide sandbox (`packages`, `packagesDir`), the whole path with wheels this test
 * builds itself: no package index can be reached from here, so a local HTTP server plays the index
 * and a lock file of the test's own (in Pyodide's format, for the installed ABI) lists the wheels.
 * The host resolves `depends`, downloads, checks each sha256, caches, and the sandbox loads the
 * wheels from the cache folder, which is all it may read besides Pyodide's own files.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { SandboxPackageError } from "../src/errors.js";
import { installedLockPath } from "../src/executors/pyodide/package-lock.js";
import { PyodideExecutor, type PyodideExecutorOptions } from "../src/executors/pyodide/pyodide-executor.js";
import { buildWheel, lockFileFor, type BuiltWheel } from "./support/wheel-builder.js";
import { closedPortUrl, startWheelIndex, type WheelIndex } from "./support/wheel-index-server.js";

const installedInfo = (JSON.parse(readFileSync(installedLockPath(), "utf8")) as { info: Record<string, unknown> }).info;

const greetDep = buildWheel({ name: "greet-dep", version: "1.0", files: { "greet_dep/__init__.py": "WORD = 'hello'\n" } });
const greeter = buildWheel({
  name: "greeter",
  version: "2.1",
  depends: ["greet-dep"],
  files: { "greeter/__init__.py": "from greet_dep import WORD\n\ndef greet(name):\n    return f'{WORD}, {name}'\n" },
});
/** Served as it was built, but locked with the sha256 of other bytes. */
const tampered = buildWheel({ name: "tampered", version: "0.1", files: { "tampered/__init__.py": "VALUE = 1\n" } });
/** Locked with its own sha256, but not a zip archive: it passes the host's checks and fails to install. */
const brokenBytes = Buffer.from("not a zip archive");
const broken: BuiltWheel = {
  spec: { name: "broken", version: "0.1", files: { "broken/__init__.py": "" } },
  fileName: "broken-0.1-py3-none-any.whl",
  bytes: brokenBytes,
  sha256: createHash("sha256").update(brokenBytes).digest("hex"),
};
const needsMissing = buildWheel({ name: "needs-missing", version: "0.1", depends: ["not-anywhere"], files: { "needs_missing/__init__.py": "" } });

const root = mkdtempSync(join(tmpdir(), "codeagent-packages-"));
const lockFile = join(root, "pyodide-lock.json");
/** A file next to the cache folder: the sandbox must not read it. */
const neighbourSecret = join(root, "neighbour-secret.txt");
let index: WheelIndex;

function served(wheels: readonly BuiltWheel[]): Map<string, Uint8Array> {
  return new Map(wheels.map((wheel) => [wheel.fileName, wheel.bytes]));
}

/** Options for an executor that loads from the test's index, with a cache folder of its own unless given. */
function packageOptions(packages: string[], overrides: PyodideExecutorOptions = {}): PyodideExecutorOptions {
  return {
    packages,
    packageIndexUrl: index.url,
    packageLockFile: lockFile,
    packageCacheDir: mkdtempSync(join(root, "cache-")),
    timeoutMs: 30_000,
    ...overrides,
  };
}

async function withExecutor<T>(options: PyodideExecutorOptions, use: (executor: PyodideExecutor) => Promise<T>): Promise<T> {
  const executor = new PyodideExecutor(options);
  try {
    return await use(executor);
  } finally {
    await executor.close();
  }
}

async function packageError(work: () => Promise<unknown>): Promise<SandboxPackageError> {
  const error = await work().then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SandboxPackageError);
  return error as SandboxPackageError;
}

beforeAll(async () => {
  const lock = JSON.parse(lockFileFor([greetDep, greeter, tampered, needsMissing, broken], installedInfo)) as {
    packages: Record<string, { sha256: string }>;
  };
  lock.packages["tampered"]!.sha256 = "0".repeat(64);
  writeFileSync(lockFile, JSON.stringify(lock));
  writeFileSync(neighbourSecret, "neighbour-secret-content\n");
  index = await startWheelIndex(served([greetDep, greeter, tampered, needsMissing, broken]));
});

afterAll(async () => {
  await index?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("PyodideExecutor packages, from a local index", () => {
  test("loads a package and the dependency its depends names; the import gate lets both through; the cache serves a second executor", async () => {
    const options = packageOptions(["greeter"]);
    const firstRequests = index.requests.length;
    await withExecutor(options, async (executor) => {
      expect(executor.authorizedImports).toEqual(expect.arrayContaining(["greeter", "greet_dep", "math"]));
      const result = await executor.run("import greeter\nimport greet_dep\ngreeter.greet('world') + ' ' + greet_dep.WORD");
      expect(result.error).toBeUndefined();
      expect(result.output).toBe("hello, world hello");
    });
    expect(index.requests.slice(firstRequests).sort()).toEqual([greetDep.fileName, greeter.fileName].sort());
    expect(readdirSync(options.packageCacheDir!).sort()).toEqual([greetDep.fileName, greeter.fileName].sort());

    const secondRequests = index.requests.length;
    await withExecutor(options, async (executor) => {
      const result = await executor.run("import greeter\ngreeter.greet('again')");
      expect(result.output).toBe("hello, again");
    });
    expect(index.requests.length).toBe(secondRequests);
  });

  test("a warm spare of the pool (started without packages) is never handed to an executor with packages, nor after reset", async () => {
    await PyodideExecutor.prewarm(1);
    try {
      await withExecutor(packageOptions(["greeter"]), async (executor) => {
        expect((await executor.run("import greeter\ngreeter.greet('pool')")).output).toBe("hello, pool");
        await executor.reset();
        expect((await executor.run("import greeter\ngreeter.greet('reset')")).output).toBe("hello, reset");
      });
    } finally {
      await PyodideExecutor.drainPool();
    }
  });

  test("an import not among the loaded packages stays refused", async () => {
    await withExecutor(packageOptions(["greet-dep"]), async (executor) => {
      expect(executor.authorizedImports).toContain("greet_dep");
      expect(executor.authorizedImports).not.toContain("greeter");
      const result = await executor.run("import greeter");
      expect(result.error?.message).toMatch(/Import of 'greeter' is not allowed/);
    });
  });

  test("a wheel whose sha256 is not the lock file's is refused, and nothing is cached", async () => {
    const options = packageOptions(["tampered"]);
    const error = await packageError(() => withExecutor(options, (executor) => executor.start()));
    expect(error.problem).toBe("hash-mismatch");
    expect(error.packageName).toBe("tampered");
    expect(error.message).toContain(tampered.sha256);
    expect(error.message).toContain(lockFile);
    expect(readdirSync(options.packageCacheDir!)).toEqual([]);
  });

  test("a wheel the sandbox cannot install is a SandboxPackageError with Pyodide's reason", async () => {
    const error = await packageError(() => withExecutor(packageOptions(["broken"]), (executor) => executor.start()));
    expect(error.problem).toBe("load-failed");
    expect(error.message).toMatch(/could not load the packages broken/);
  });

  test("a cached wheel that no longer matches the lock file is downloaded again", async () => {
    const options = packageOptions(["greet-dep"]);
    writeFileSync(join(options.packageCacheDir!, greetDep.fileName), "damaged");
    const before = index.requests.length;
    await withExecutor(options, async (executor) => {
      expect((await executor.run("import greet_dep\ngreet_dep.WORD")).output).toBe("hello");
    });
    expect(index.requests.slice(before)).toEqual([greetDep.fileName]);
  });

  test("a package missing from the lock file is refused when the executor is made", () => {
    let error: unknown;
    try {
      new PyodideExecutor(packageOptions(["no-such-package"]));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(SandboxPackageError);
    expect((error as SandboxPackageError).problem).toBe("not-in-lock");
    expect((error as SandboxPackageError).message).toMatch(/Package "no-such-package" is not in the package lock file/);

    expect(() => new PyodideExecutor(packageOptions(["needs-missing"]))).toThrow(/Package "needs-missing" needs "not-anywhere", which is not in/);
  });

  test("a lock file for another Pyodide ABI is refused when the executor is made", () => {
    const otherAbi = join(root, "other-abi-lock.json");
    writeFileSync(otherAbi, lockFileFor([greetDep], { ...installedInfo, abi_version: "1999_0" }));
    let error: unknown;
    try {
      new PyodideExecutor(packageOptions(["greet-dep"], { packageLockFile: otherAbi }));
    } catch (thrown) {
      error = thrown;
    }
    expect((error as SandboxPackageError).problem).toBe("bad-lock");
    expect((error as SandboxPackageError).message).toMatch(/is for Pyodide ABI 1999_0, but the installed Pyodide .* has ABI/);
  });

  test("a package not in the installed Pyodide's lock file is refused with what to do", () => {
    expect(() => new PyodideExecutor({ packages: ["greeter"] })).toThrow(/is not in Pyodide .*'s package lock .*Only packages built for Pyodide/);
  });

  test("an unreachable index is refused with a message that says to use packagesDir", async () => {
    const options = packageOptions(["greeter"], { packageIndexUrl: await closedPortUrl() });
    const error = await packageError(() => withExecutor(options, (executor) => executor.run("1")));
    expect(error.problem).toBe("unreachable");
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).toMatch(/packagesDir/);
    // Every wheel to fetch by hand is named, the dependency and the package asked for.
    expect(error.message).toContain(greetDep.fileName);
    expect(error.message).toContain(greeter.fileName);
  });

  test("packages with isolation 'shared' are refused as a configuration error", () => {
    expect(() => new PyodideExecutor(packageOptions(["greeter"], { isolation: "shared" }))).toThrow(/isolation "process"/);
  });
});

describe("PyodideExecutor packages, offline from packagesDir", () => {
  test("loads the wheels from the folder without asking any index", async () => {
    const folder = mkdtempSync(join(root, "wheels-"));
    for (const wheel of [greetDep, greeter]) writeFileSync(join(folder, wheel.fileName), wheel.bytes);
    const before = index.requests.length;
    // A relative folder is the host's: the sandbox gets read access to it as an absolute path.
    const options = packageOptions(["greeter"], { packagesDir: relative(process.cwd(), folder), packageIndexUrl: await closedPortUrl() });
    await withExecutor(options, async (executor) => {
      expect((await executor.run("import greeter\ngreeter.greet('offline')")).output).toBe("hello, offline");
    });
    expect(index.requests.length).toBe(before);
    expect(readdirSync(options.packageCacheDir!)).toEqual([]);
  });

  test("a wheel missing from the folder, or not the locked one, is refused", async () => {
    const folder = mkdtempSync(join(root, "wheels-"));
    writeFileSync(join(folder, greeter.fileName), greeter.bytes);
    const missing = await packageError(() => withExecutor(packageOptions(["greeter"], { packagesDir: folder }), (executor) => executor.start()));
    expect(missing.problem).toBe("missing-file");
    expect(missing.message).toContain(greetDep.fileName);

    writeFileSync(join(folder, greetDep.fileName), "not the wheel");
    const wrong = await packageError(() => withExecutor(packageOptions(["greeter"], { packagesDir: folder }), (executor) => executor.start()));
    expect(wrong.problem).toBe("hash-mismatch");
  });
});

describe("what the sandbox with packages may read", () => {
  test("a folder whose path has a comma is refused: Deno would split it into two permissions", async () => {
    const options = packageOptions(["greet-dep"], { packageCacheDir: join(root, "with,comma") });
    await expect(withExecutor(options, (executor) => executor.start())).rejects.toThrow(/cannot hold a path with a comma/);
  });

  test("its process may read Pyodide's files, its own scripts, the snapshot, the wheels folder and the lock file, nothing else", async () => {
    const options = packageOptions(["greeter"]);
    const cacheDir = options.packageCacheDir!;
    await withExecutor(options, async (executor) => {
      await executor.start();
      const permissions = sandboxPermissions(cacheDir);
      expect(permissions.filter((flag) => flag.startsWith("--allow-") && !flag.startsWith("--allow-read="))).toEqual([]);
      const readable = permissions.find((flag) => flag.startsWith("--allow-read="))!.slice("--allow-read=".length).split(",");
      const allowed = (path: string) =>
        path === cacheDir ||
        path === lockFile ||
        path.includes(`${join("node_modules", "pyodide")}`) ||
        path.includes(join("src", "executors", "pyodide")) ||
        path.endsWith(".snapshot");
      expect(readable.filter((path) => !allowed(path))).toEqual([]);
      expect(readable).toContain(cacheDir);
      expect(readable).not.toContain(root);
    });
  });

  test("the guest cannot read /etc/passwd, the user's home or a file beside the cache", async () => {
    const home = homedir();
    mkdirSync(join(root, "probe"), { recursive: true });
    await withExecutor(packageOptions(["greeter"], { authorizedImports: ["*"] }), async (executor) => {
      const code = `
import os, sys
found = []
def attempt(label, read):
    try:
        found.append((label, str(read())[:200]))
    except BaseException as error:
        found.append((label, "blocked: " + type(error).__name__))
attempt("open passwd", lambda: open("/etc/passwd").read())
attempt("listdir home", lambda: os.listdir(${JSON.stringify(home)}))
attempt("open neighbour", lambda: open(${JSON.stringify(neighbourSecret)}).read())
def mounted(host_folder, name):
    public = sys.modules["pyodide_js._api"].public_api
    public.mountNodeFS("/mnt-probe", host_folder)
    return open("/mnt-probe/" + name).read()
attempt("mount /etc", lambda: mounted("/etc", "passwd"))
attempt("mount beside the cache", lambda: mounted(${JSON.stringify(root)}, "neighbour-secret.txt"))
found
`;
      const result = await executor.run(code);
      expect(result.error).toBeUndefined();
      const text = JSON.stringify(result.output);
      expect(text).not.toMatch(/root:/);
      expect(text).not.toContain("neighbour-secret-content");
      for (const [, outcome] of result.output as [string, string][]) expect(outcome).toMatch(/^blocked: |^\[\]$/);
    });
  });
});

/** The Deno permission flags of the sandbox process whose command line names `marker`. */
function sandboxPermissions(marker: string): string[] {
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    if (argv.some((arg) => arg.startsWith("--allow-read=") && arg.includes(marker))) return argv.filter((arg) => arg.startsWith("--allow"));
  }
  throw new Error(`no sandbox process reads ${marker}`);
}
