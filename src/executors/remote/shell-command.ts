/**
 * A command line as one shell command, for vendors whose process API takes a string (E2B runs it
 * with `bash -l -c`, Blaxel with a shell): each argument single-quoted, the memory limit set first,
 * and `exec` so the shell is replaced by the process and a kill reaches the process itself.
 *
 * The memory limit is the process's data limit (RLIMIT_DATA: its heap and private mappings), set
 * by the shell before Python starts, soft and hard, so the code cannot raise it: an allocation past
 * it is a `MemoryError` in the code, and the interpreter and its state live on. A vendor cannot
 * watch a process's memory from the host as the local sandbox does.
 */
import { CPYTHON_RUNTIME_OVERHEAD_MB } from "../cpython/python-command.js";

/** One argument, single-quoted for a POSIX shell. */
const quote = (argument: string) => `'${argument.replaceAll("'", `'\\''`)}'`;

/** The shell words that limit what follows to `memoryLimitMb` (plus what CPython itself holds). */
export function memoryLimitPrefix(memoryLimitMb: number): string {
  return `ulimit -d ${(memoryLimitMb + CPYTHON_RUNTIME_OVERHEAD_MB) * 1024} && `;
}

/** `argv` as a shell command that becomes the process, under the memory limit; see the module comment. */
export function shellCommand(argv: readonly string[], memoryLimitMb: number): string {
  return `${memoryLimitPrefix(memoryLimitMb)}exec ${argv.map(quote).join(" ")}`;
}
