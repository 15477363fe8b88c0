/**
 * How a CPython sandbox starts, wherever it runs: `python3 -I -u -c <bootstrap>`, and a first
 * line on its stdin that carries the driver, the shared runtime and the secret token. Nothing is
 * installed where it runs (a container, a vendor's VM): the code travels on the channel.
 */
import { readFileSync } from "node:fs";

// One line of Python: read the first line, run the driver it carries with the runtime and token.
const BOOTSTRAP =
  "import sys,json;m=json.loads(sys.stdin.buffer.readline());" +
  "exec(compile(m['driver'],'_codeagent_driver.py','exec'),{'__name__':'__codeagent__','_RUNTIME_SOURCE':m['runtime'],'_TOKEN':m['token']})";

/** What CPython itself holds besides the code's data: the interpreter, the runtime, a loaded numpy. */
export const CPYTHON_RUNTIME_OVERHEAD_MB = 128;

let sources: { driver: string; runtime: string } | undefined;

function runtimeSources(): { driver: string; runtime: string } {
  sources ??= {
    driver: readFileSync(new URL("./driver.py", import.meta.url), "utf8"),
    // The same runtime Pyodide runs: one Python runtime for every sandbox with real CPython.
    runtime: readFileSync(new URL("../pyodide/runtime.py", import.meta.url), "utf8"),
  };
  return sources;
}

/**
 * The command line that starts the runtime with `python` (`-I`: no user site-packages, no
 * `PYTHON*` variables, no current directory on the import path; `-u`: unbuffered).
 */
export function pythonRuntimeArgv(python = "python3"): string[] {
  return [python, "-I", "-u", "-c", BOOTSTRAP];
}

/** The first message the host sends a sandbox started with {@link pythonRuntimeArgv}. */
export function pythonRuntimeHello(token: string): string {
  return JSON.stringify({ token, ...runtimeSources() });
}
