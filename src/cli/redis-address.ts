/** A Redis address as the CLI may show it: never with its password. */
import { withoutPassword } from "../jobs/job-errors.js";

/** `text` with the password of the Redis address `url` (if it has one) replaced by `***`. */
export function hidePassword(text: string, url: string): string {
  const shown = redisAddressShown(url);
  return shown === url ? text : text.replaceAll(url, shown);
}

/** The Redis address as it may be shown: its password replaced by `***`. */
export const redisAddressShown: (url: string) => string = withoutPassword;
