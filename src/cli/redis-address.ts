/** A Redis address as the CLI may show it: never with its password. */

/** `text` with the password of the Redis address `url` (if it has one) replaced by `***`. */
export function hidePassword(text: string, url: string): string {
  const shown = redisAddressShown(url);
  return shown === url ? text : text.replaceAll(url, shown);
}

/** The Redis address as it may be shown: its password replaced by `***`. */
export function redisAddressShown(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}
