/** The secret in the address `codeagent ui` prints: the page proves with it that it was opened from there. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh token: 32 random bytes, base64url (safe in a URL and a cookie). */
export function newUiToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Whether `given` is `token`, compared in constant time (hashed first, so not even the length leaks). */
export function isUiToken(given: string | undefined, token: string): boolean {
  if (given === undefined || given === "") return false;
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(given), digest(token));
}
