// The sandbox's half of loading packages: the host has put every wheel, checked against the lock
// file, in one folder this process may read (pyodide-packages.ts). Pyodide is pointed at that folder
// and that lock file when it loads, and installs the packages by name once it has, so it unpacks
// each wheel where it belongs and loads its native libraries itself. This runs before any code of
// the user's exists and while Node's file modules still work (they are disarmed right after);
// nothing is fetched: the process has no network permission, and every wheel is already there.

/** The options for loadPyodide that make it find the packages: their folder and their lock file. */
export function packageLoadOptions(packages, readFile, decode, TextDecoder) {
  return {
    packageCacheDir: packages.wheelsDir,
    lockFileContents: decode(new TextDecoder(), readFile(packages.lockFile)),
  };
}

/** Installs `packages.names` (dependencies included, in order); throws with Pyodide's reasons if one fails. */
export async function loadPackages(pyodide, packages) {
  const problems = [];
  const loaded = await pyodide.loadPackage([...packages.names], {
    messageCallback: () => undefined,
    errorCallback: (message) => problems.push(message),
  });
  const missing = packages.names.filter((name) => !loaded.some((entry) => entry.name === name));
  if (problems.length > 0 || missing.length > 0) {
    const reasons = problems.join(" ").replace(/\s+/g, " ").trim();
    throw new Error(`could not load the packages ${missing.join(", ") || packages.names.join(", ")}: ${reasons || "Pyodide did not install them"}`);
  }
}
