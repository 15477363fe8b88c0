import picocolors from "picocolors";

/** The colour functions the renderer uses; identity functions when colour is off. */
export type Colors = ReturnType<typeof picocolors.createColors>;

/**
 * Colour functions that are on or off as told, whatever the process's own terminal is.
 *
 * @param enabled - Whether to emit ANSI escapes.
 */
export function createColors(enabled: boolean): Colors {
  return picocolors.createColors(enabled);
}
