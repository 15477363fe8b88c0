/**
 * A command line as one shell command, for vendors whose process API takes a string (E2B runs it
 * with `bash -l -c`, Blaxel with a shell): each argument single-quoted, and `exec` so the shell is
 * replaced by the process and a kill reaches the process itself.
 */

/** One argument, single-quoted for a POSIX shell. */
const quote = (argument: string) => `'${argument.replaceAll("'", `'\\''`)}'`;

/** `argv` as a shell command that becomes the process; see the module comment. */
export function shellCommand(argv: readonly string[]): string {
  return `exec ${argv.map(quote).join(" ")}`;
}
