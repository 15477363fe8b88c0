import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";

import { SandboxPackageError } from "../../errors.js";
import { installedLockPath, normalizedPackageName, readPackageLock, resolvePackages } from "./package-lock.js";

const folder = mkdtempSync(join(tmpdir(), "codeagent-lock-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function lockWith(packages: Record<string, Record<string, unknown>>): string {
  const path = join(folder, `lock-${Object.keys(packages).join("-")}.json`);
  writeFileSync(path, JSON.stringify({ info: { abi_version: "test" }, packages }));
  return path;
}

const entry = (fileName: string, depends: string[] = [], imports: string[] = []) => ({ file_name: fileName, sha256: "a".repeat(64), depends, imports });

test("the installed Pyodide's lock has numpy and pandas; pandas brings its dependencies, each before what needs it", () => {
  const lock = readPackageLock(installedLockPath());
  const order = resolvePackages(lock, ["numpy", "pandas"]).map((locked) => locked.name);
  expect(order).toEqual(["numpy", "six", "python-dateutil", "pytz", "pandas"]);
  const imports = resolvePackages(lock, ["pandas"]).flatMap((locked) => locked.imports);
  expect(imports).toEqual(expect.arrayContaining(["pandas", "numpy", "dateutil", "pytz", "six"]));
  expect(lock.abiVersion).toMatch(/\S/);
});

test("names are matched as the lock file keys them: case and runs of - _ . do not matter", () => {
  expect(normalizedPackageName(" Python_Dateutil ")).toBe("python-dateutil");
  const lock = readPackageLock(installedLockPath());
  expect(resolvePackages(lock, ["Python.Dateutil"]).map((locked) => locked.name)).toEqual(["six", "python-dateutil"]);
});

test("a cycle in depends loads each package once", () => {
  const lock = readPackageLock(lockWith({ a: entry("a-1-py3-none-any.whl", ["b"]), b: entry("b-1-py3-none-any.whl", ["a"]) }));
  expect(resolvePackages(lock, ["a"]).map((locked) => locked.name)).toEqual(["b", "a"]);
});

test("an entry whose file is a path or URL, or that has no sha256, is left out (the host could not fetch it safely)", () => {
  const lock = readPackageLock(
    lockWith({
      up: entry("../../etc/x-1-py3-none-any.whl"),
      url: entry("https://elsewhere.example/x-1-py3-none-any.whl"),
      unhashed: { file_name: "unhashed-1-py3-none-any.whl", depends: [], imports: [] },
      fine: entry("fine-1-py3-none-any.whl"),
    }),
  );
  expect([...lock.packages.keys()]).toEqual(["fine"]);
  expect(() => resolvePackages(lock, ["up"])).toThrow(SandboxPackageError);
});

test("an unreadable lock file is a SandboxPackageError that names it", () => {
  expect(() => readPackageLock(join(folder, "absent.json"))).toThrow(/Could not read the package lock file .*absent\.json/);
  expect(() => readPackageLock(join(folder, "absent.json"))).toThrow(expect.objectContaining({ problem: "bad-lock" }));
});
