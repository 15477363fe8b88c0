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

/**
 * Installs `packages.names` (dependencies included, in order). If one fails, `fail` gets one line
 * with Pyodide's reasons (the last line of each traceback) for the host's error message.
 */
export async function loadPackages(pyodide, packages, fail) {
  const problems = [];
  const loaded = await pyodide.loadPackage([...packages.names], {
    messageCallback: () => undefined,
    errorCallback: (message) => problems.push(lastLine(message)),
  });
  const missing = packages.names.filter((name) => !loaded.some((entry) => entry.name === name));
  if (problems.length > 0 || missing.length > 0) {
    fail(`could not load the packages ${missing.join(", ") || packages.names.join(", ")}: ${problems.join(" ") || "Pyodide did not install them"}`);
  }
}

function lastLine(text) {
  const lines = String(text).split("\n").map((line) => line.trim()).filter((line) => line !== "");
  return lines.at(-1) ?? "";
}
