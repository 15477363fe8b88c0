/**
 * The process the vendor tests start in place of the Python runtime: a real `python3` that echoes
 * each line it reads, and exits with a code when told to, saying so on stderr first (so a test sees
 * the stderr tail in the channel's end reason).
 */
import type { SandboxChannel } from "../../src/executors/channel/sandbox-channel.js";
import type { RemoteSandboxLauncher } from "../../src/executors/remote/remote-sandbox-launcher.js";

const ECHO = [
  "import sys",
  "for line in sys.stdin:",
  "    line = line.rstrip('\\n')",
  "    if line.startswith('exit '):",
  "        sys.stderr.write('leaving with ' + line[5:] + '\\n'); sys.stderr.flush()",
  "        sys.exit(int(line[5:]))",
  "    print('echo:' + line, flush=True)",
].join("\n");

/** The command line of the echo process. */
export const ECHO_ARGV: readonly string[] = ["python3", "-u", "-c", ECHO];

/** Sends each line and returns the replies (this sets the channel's receiver, which is once per channel). */
export function roundTrip(channel: SandboxChannel, lines: readonly string[]): Promise<string[]> {
  const replies = nextMessages(channel, lines.length);
  for (const line of lines) channel.send(line);
  return replies;
}

/** The next `count` messages the channel receives. */
function nextMessages(channel: SandboxChannel, count: number): Promise<string[]> {
  const received: string[] = [];
  return new Promise((resolve) => {
    channel.receive((message) => {
      received.push(message);
      if (received.length === count) resolve(received);
    });
  });
}

/** Launches one process, says "hi" to it, then ends it and closes the launcher; the replies. */
export async function useOnceAndClose(launcher: RemoteSandboxLauncher): Promise<string[]> {
  const channel = await launcher.launch({ memoryLimitMb: 256, timeoutMs: 30_000 });
  const replies = await roundTrip(channel, ["hi"]);
  channel.close("was closed");
  await channel.ended;
  await launcher.close();
  return replies;
}
