/**
 * A {@link LineChannel} to a process in a vendor's sandbox (E2B, Modal, Blaxel), reached over the
 * vendor's API rather than a pipe: each write is a request, so writes are queued and sent in order;
 * the process may be attached after its first output arrived; the tail of its stderr is kept to say
 * why it ended; a kill the vendor never confirms still ends the channel, so the host never waits
 * on a sandbox it cannot see; and each use by the host is reported (`onUse`), so the sandbox's
 * lifetime is renewed only while it is in use.
 */
import { LineChannel } from "../channel/line-channel.js";
import { STDERR_TAIL, stderrSummary } from "../channel/child-process-channel.js";

/** A process started in a vendor's sandbox, as the vendor's SDK lets us drive it. */
export interface RemoteProcess {
  /** Sends text to the process's stdin; resolves when the vendor has taken it. */
  write(text: string): Promise<void>;
  /** Ends the process (SIGKILL where the vendor has signals). */
  kill(): Promise<void>;
}

/** Where a vendor adapter delivers what its process does. */
export interface ProcessOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The process is gone: `how` completes "The ... process ...": "exited with code 1". */
  exited(how: string): void;
}

/** How long a kill may go unconfirmed by the vendor before the channel is ended anyway. */
const KILL_CONFIRM_MS = 10_000;

/** A line channel over a vendor's process API; see the module comment. */
export class RemoteProcessChannel extends LineChannel {
  /** What the vendor adapter calls with the process's output and its end. */
  readonly output: ProcessOutput;
  /** Whether the host is waiting on the process (a run, a request). */
  private hostWaiting = false;
  private readonly attachProcess: (process: RemoteProcess) => void;

  /** `onUse(waiting)` each time the host sends to the process or starts or stops waiting on it. */
  constructor(label: string, onUse: (waiting: boolean) => void = () => undefined) {
    let attach!: (process: RemoteProcess) => void;
    const attached = new Promise<RemoteProcess>((resolve) => (attach = resolve));
    let queue: Promise<unknown> = attached;
    let tail = "";
    let self!: RemoteProcessChannel;
    super({
      label,
      // Each write is a request of its own: chained, so they reach the process in the order sent.
      write: (text) => {
        onUse(self.hostWaiting);
        queue = queue
          .then(async () => (await attached).write(text))
          .catch((error: unknown) => {
            if (self.isEnded) return;
            self.close(`could not be written to (${error instanceof Error ? error.message : String(error)})`);
          });
      },
      setActive: (active) => {
        self.hostWaiting = active;
        onUse(active);
      },
      kill: () => {
        void attached.then((process) => process.kill()).catch(() => undefined);
        const unconfirmed = setTimeout(() => self.end("did not confirm that it ended"), KILL_CONFIRM_MS);
        unconfirmed.unref();
        void self.ended.then(() => clearTimeout(unconfirmed));
      },
    });
    self = this;
    this.attachProcess = attach;
    this.output = {
      stdout: (text) => this.push(text),
      stderr: (text) => {
        tail = (tail + text).slice(-STDERR_TAIL);
      },
      exited: (how) => this.end(`${how}${stderrSummary(tail)}`),
    };
  }

  /** Gives the channel the process its writes and kill go to (output may have arrived before). */
  attach(process: RemoteProcess): void {
    this.attachProcess(process);
  }
}
