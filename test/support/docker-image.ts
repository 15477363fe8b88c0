/**
 * The Python image the Docker tests run: Debian bookworm's python3 and numpy, built on this machine
 * by `scripts/docker-python-image.sh` (no registry is needed), once, and reused by its tag. Test
 * files that ask at the same time take turns on the script's lock file.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** The tag of the test image. */
export const TEST_PYTHON_IMAGE = "codeagent-test-python:bookworm";

const script = fileURLToPath(new URL("../../scripts/docker-python-image.sh", import.meta.url));
let building: Promise<string> | undefined;

/** Builds the test image unless it is there; resolves to its tag. Allow it ten minutes the first time. */
export function ensurePythonImage(): Promise<string> {
  building ??= promisify(execFile)(script, [TEST_PYTHON_IMAGE], { timeout: 10 * 60_000 }).then(() => TEST_PYTHON_IMAGE);
  return building;
}
