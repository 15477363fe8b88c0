#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { EXIT } from "./cli-io.js";
import { failureLines } from "./report-failure.js";
import { runCli } from "./run-cli.js";

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  // `codeagent ... | head` closes the pipe early: that is the reader's choice, not a failure.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT.success);
    throw error;
  });
  // runCli reports every failure of a command; this catches what escapes it (a tools module's
  // timer that throws, a rejection nobody awaited) so that it too ends in one clear line.
  const verbose = process.argv.includes("--verbose");
  const stop = (error: unknown) => {
    process.stderr.write(`\n${failureLines(error, "codeagent stopped", verbose).join("\n")}\n`);
    process.exit(EXIT.failure);
  };
  process.on("uncaughtException", stop);
  process.on("unhandledRejection", stop);
  const interrupt = new AbortController();
  // First Ctrl-C stops the run cleanly (the sandbox is interrupted, the summary printed); a second one exits.
  process.once("SIGINT", () => {
    interrupt.abort(new Error("interrupted by Ctrl-C"));
    process.once("SIGINT", () => process.exit(EXIT.interrupted));
  });
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: interrupt.signal,
    onTerminate(listener) {
      process.once("SIGTERM", listener);
      return () => void process.off("SIGTERM", listener);
    },
  });
}
