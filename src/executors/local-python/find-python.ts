/**
 * Finds the Python a LocalPythonExecutor runs and checks it is new enough, once per command and
 * without blocking the host: a missing or old interpreter is a configuration error at the first
 * run, with what to install.
 */
import { execFile } from "node:child_process";

import { AgentConfigurationError } from "../../errors.js";

const checked = new Map<string, Promise<string>>();

/** The version of `python` ("3.11.2"); rejects with `AgentConfigurationError` when it is missing or older than 3.9. */
export function checkPython(python: string): Promise<string> {
  let check = checked.get(python);
  if (check === undefined) {
    check = probe(python);
    checked.set(python, check);
    // A failure is probed again next time: the user may install Python meanwhile.
    check.catch(() => checked.delete(python));
  }
  return check;
}

function probe(python: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(python, ["-I", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8", timeout: 20_000 }, (error, stdout) => {
      const version = error ? undefined : stdout.trim();
      if (version === undefined || !/^\d+\.\d+\.\d+$/.test(version)) {
        reject(
          new AgentConfigurationError(
            `LocalPythonExecutor could not run '${python}'${error ? ` (${error.message.split("\n", 1)[0]})` : ""}. ` +
              "Install Python 3.9 or newer (Debian/Ubuntu: apt install python3) or pass { python: '/path/to/python3' }.",
          ),
        );
        return;
      }
      const [major, minor] = version.split(".").map(Number);
      if (major! < 3 || (major === 3 && minor! < 9)) {
        reject(new AgentConfigurationError(`LocalPythonExecutor needs Python 3.9 or newer; '${python}' is ${version}. Pass { python: '/path/to/python3.9+' }.`));
        return;
      }
      resolve(version);
    });
  });
}
