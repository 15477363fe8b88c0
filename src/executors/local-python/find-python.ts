/**
 * Finds the Python a LocalPythonExecutor runs and checks it is new enough, once per command: a
 * missing or old interpreter is a configuration error at the first run, with what to install.
 */
import { spawnSync } from "node:child_process";

import { AgentConfigurationError } from "../../errors.js";

const checked = new Map<string, string>();

/** The version of `python` ("3.11.2"); throws `AgentConfigurationError` when it is missing or older than 3.9. */
export function checkPython(python: string): string {
  const known = checked.get(python);
  if (known !== undefined) return known;
  const probe = spawnSync(python, ["-I", "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], { encoding: "utf8", timeout: 20_000 });
  const version = probe.status === 0 ? probe.stdout.trim() : undefined;
  if (version === undefined) {
    throw new AgentConfigurationError(
      `LocalPythonExecutor could not run '${python}'${probe.error ? ` (${probe.error.message})` : ""}. ` +
        "Install Python 3.9 or newer (Debian/Ubuntu: apt install python3) or pass { python: '/path/to/python3' }.",
    );
  }
  const [major, minor] = version.split(".").map(Number);
  if (major! < 3 || (major === 3 && minor! < 9)) {
    throw new AgentConfigurationError(`LocalPythonExecutor needs Python 3.9 or newer; '${python}' is ${version}. Pass { python: '/path/to/python3.9+' }.`);
  }
  checked.set(python, version);
  return version;
}
