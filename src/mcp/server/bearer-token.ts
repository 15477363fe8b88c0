/** The shared secret an HTTP client of `codeagent mcp-server` proves it was given. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** A fresh token: 32 random bytes, base64url (43 characters, safe in a header and a shell). */
export function newBearerToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * Whether an `Authorization` header carries `Bearer <token>`. Both sides are hashed first so the
 * constant-time comparison gets equal lengths and reveals not even the token's length.
 */
export function carriesBearerToken(header: string | undefined, token: string): boolean {
  const given = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? "")?.[1];
  if (given === undefined) return false;
  return timingSafeEqual(sha256(given), sha256(token));
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
