/**
 * Whether terminal output should be coloured, from the stream and the environment.
 *
 * Rules, first match wins:
 * - `FORCE_COLOR` set: colour, unless it is `0` or `false`;
 * - `NO_COLOR` set and non-empty (https://no-color.org): no colour;
 * - `TERM=dumb`: no colour;
 * - otherwise colour only when the stream is a TTY.
 *
 * @param stream - The stream the output goes to, e.g. `process.stdout`.
 * @param env - The environment, e.g. `process.env`.
 * @returns `true` when ANSI colours should be written.
 */
export function shouldUseColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force.toLowerCase() !== "false";
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}
