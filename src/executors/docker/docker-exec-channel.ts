/**
 * A {@link SandboxChannel} over one `docker exec` in a sandbox container: the exec's stdin is the
 * channel's input, its stdout (demultiplexed from the hijacked stream) the messages, and the tail
 * of its stderr says why it ended. Docker has no call that stops an exec, so the process reports
 * its own pid first (a one-line `sh` wrapper, before it becomes the program) and the container's
 * control loop signals its process group (`CONTROL_LOOP` in `container-config.ts`); each exec is
 * independent, so killing one leaves the container and later execs as they were.
 */
import type { Duplex } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { Writable } from "node:stream";
import type Dockerode from "dockerode";

import { LineChannel } from "../channel/line-channel.js";
import { memoryLimitPrefix } from "../remote/shell-command.js";
import { STDERR_TAIL, stderrSummary } from "../channel/child-process-channel.js";

/**
 * Runs the program after writing its pid (in the container's pid namespace) as the first line of
 * stderr. The exec'd process leads its own session and group (the engine makes it so), so the pid
 * names the group that a kill ends whole, with whatever the program started.
 */
const REPORT_PID_THEN_EXEC = 'echo "$$" >&2; exec "$@"';

/** The argv that runs `argv` behind the pid report, under a data limit when one is given. */
export function pidReportingArgv(argv: readonly string[], dataLimitMb?: number): string[] {
  const limit = dataLimitMb === undefined ? "" : memoryLimitPrefix(dataLimitMb);
  return ["sh", "-c", `${limit}${REPORT_PID_THEN_EXEC}`, "sh", ...argv];
}

/** How long a killed exec may take to end before the whole container is ended instead. */
const KILL_GRACE_MS = 5000;

/** The part of dockerode's modem that splits an exec's stream into stdout and stderr. */
export interface DemuxModem {
  demuxStream(stream: Duplex, stdout: Writable, stderr: Writable): void;
}

/** What the container does for an exec channel. */
export interface ExecChannelControl {
  /** Whether interrupts are signals from outside; otherwise the channel has none and the session sends its message. */
  signalInterrupt: boolean;
  /** Sends `signal` to the process group `pid` inside the container. */
  signalGroup(signal: "KILL" | "INT", pid: number): void;
  /** Ends the whole container: the last resort when a killed exec does not end (the code froze, killed or robbed the control loop). */
  endContainer(): void;
  /** Whether the engine ended the process on the container's memory limit since the last call (asked when it died of SIGKILL unasked). */
  consumeMemoryKill?(): Promise<boolean>;
  /** The error a process ended on the memory limit reports. */
  memoryError?(): Error;
}

/** A writable that hands each chunk to `onChunk`. */
const sink = (onChunk: (chunk: Buffer) => void) =>
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      onChunk(chunk);
      done();
    },
  });

/** What is known of the exec'd process. */
interface ExecProcess {
  pid: number | undefined;
  killAsked: boolean;
  interruptAsked: boolean;
}

/** A line channel over a started exec; see the module comment. */
export class DockerExecChannel extends LineChannel {
  constructor(
    modem: DemuxModem,
    exec: Dockerode.Exec,
    stream: Duplex & { ref?: () => void; unref?: () => void },
    control: ExecChannelControl,
    label: string,
  ) {
    const target: ExecProcess = { pid: undefined, killAsked: false, interruptAsked: false };
    let graceTimer: NodeJS.Timeout | undefined;
    super({
      label,
      write: (text) => {
        if (stream.writable) stream.write(text);
      },
      kill: () => {
        target.killAsked = true;
        if (target.pid !== undefined) control.signalGroup("KILL", target.pid);
        graceTimer = setTimeout(() => control.endContainer(), KILL_GRACE_MS);
        graceTimer.unref();
      },
      ...(control.signalInterrupt
        ? {
            interrupt: () => {
              if (target.pid !== undefined) control.signalGroup("INT", target.pid);
              else target.interruptAsked = true;
            },
          }
        : {}),
      setActive: (active) => {
        if (active) stream.ref?.();
        else stream.unref?.();
      },
    });
    const stdout = new StringDecoder("utf8");
    const stderr = new StringDecoder("utf8");
    let tail = "";
    let pidLine: string | undefined = "";
    modem.demuxStream(
      stream,
      sink((chunk) => this.push(stdout.write(chunk))),
      sink((chunk) => {
        const text = stderr.write(chunk);
        if (pidLine === undefined) {
          tail = (tail + text).slice(-STDERR_TAIL);
          return;
        }
        pidLine += text;
        const newline = pidLine.indexOf("\n");
        if (newline < 0) return;
        learnPid(target, Number(pidLine.slice(0, newline)), control);
        tail = pidLine.slice(newline + 1).slice(-STDERR_TAIL);
        pidLine = undefined;
      }),
    );
    stream.on("error", () => {
      // The connection broke; `close` follows and reports it.
    });
    stream.once("close", () => {
      clearTimeout(graceTimer);
      void howItEnded(exec, target, control, tail).then(({ reason, error }) => this.end(reason, error));
    });
    stream.unref?.();
  }
}

/** Records the pid the wrapper reported and sends it what was asked before it was known. */
function learnPid(target: ExecProcess, pid: number, control: ExecChannelControl): void {
  if (!Number.isSafeInteger(pid) || pid <= 0) return;
  target.pid = pid;
  if (target.killAsked) control.signalGroup("KILL", pid);
  else if (target.interruptAsked) control.signalGroup("INT", pid);
}

/** Why the exec's stream is gone, for the channel's end. */
async function howItEnded(exec: Dockerode.Exec, target: ExecProcess, control: ExecChannelControl, tail: string): Promise<{ reason: string; error?: Error }> {
  const exitCode = await exitCodeOf(exec);
  if (exitCode === 137 && !target.killAsked && (await control.consumeMemoryKill?.())) {
    return { reason: "went over the container's memory limit and was ended", error: control.memoryError?.() };
  }
  const how =
    exitCode === undefined ? "ended with its container" : exitCode > 128 ? `was killed by signal ${exitCode - 128}` : `exited with code ${exitCode}`;
  return { reason: `${how}${stderrSummary(tail)}` };
}

/** The exec's exit code once the engine has it; undefined when the container is gone. */
async function exitCodeOf(exec: Dockerode.Exec): Promise<number | undefined> {
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      const state = await exec.inspect();
      if (!state.Running && state.ExitCode !== null) return state.ExitCode;
    } catch {
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}
