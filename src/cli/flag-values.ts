/** Reading the values of flags: numbers and lists, each refused with a message naming the flag. */
import { UsageError } from "./usage-error.js";

/** `--flag <n>` as `{ [key]: n }` (nothing when the flag is not given); a value below `minimum` or not whole is refused. */
export function wholeNumber<K extends string>(key: K, flag: string, text: string | undefined, minimum: number): Partial<Record<K, number>> {
  if (text === undefined) return {};
  const value = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(value) || value < minimum) throw new UsageError(`${flag} takes a whole number ≥ ${minimum}, got '${text}'.`);
  return { [key]: value } as Record<K, number>;
}

/** `a, b,c` → `["a", "b", "c"]`, empty items dropped. */
export function splitList(text: string): string[] {
  return text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}
