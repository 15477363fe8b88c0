/**
 * The last word on a vendor sandbox when the host exits without `close()`: a process 'exit'
 * handler can make no network call (nothing it starts ever completes), so it starts a small
 * detached Node process that sends the vendor the one request that destroys the sandbox, and
 * returns at once. Best effort: a host killed by a signal it does not handle runs no 'exit'
 * handler at all, and then the vendor's own lifetime is what ends the sandbox.
 */
import { spawn } from "node:child_process";

/** The request that destroys one sandbox (credentials in its headers). */
export interface DestroyRequest {
  url: string;
  method: "DELETE";
  headers: Record<string, string>;
}

// The detached process's whole program; the request reaches it in its environment, never on its
// command line, where other users of the machine could read the credentials.
const REAPER_PROGRAM =
  "const r=JSON.parse(process.env.CODEAGENT_DESTROY_REQUEST);" +
  "fetch(r.url,{method:r.method,headers:r.headers,signal:AbortSignal.timeout(30000)}).catch(()=>{});";

const pending = new Set<DestroyRequest>();
let listening = false;

function reapAll(): void {
  for (const request of pending) {
    try {
      const env: Record<string, string> = { CODEAGENT_DESTROY_REQUEST: JSON.stringify(request) };
      for (const name of ["PATH", "NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE"]) if (process.env[name]) env[name] = process.env[name]!;
      spawn(process.execPath, ["-e", REAPER_PROGRAM], { detached: true, stdio: "ignore", env }).unref();
    } catch {
      // Best effort: the vendor's lifetime remains.
    }
  }
  pending.clear();
}

/**
 * Sends `request` from a detached process if the host exits before {@link cancelOnExit}. The one
 * 'exit' listener is added on first use, so nothing is registered until a sandbox exists.
 */
export function destroyOnExit(request: DestroyRequest): void {
  pending.add(request);
  if (!listening) {
    listening = true;
    process.once("exit", reapAll);
  }
}

/** The sandbox was destroyed (or handed back): nothing to send for it at exit. */
export function cancelOnExit(request: DestroyRequest): void {
  pending.delete(request);
}
