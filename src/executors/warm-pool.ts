/** What a pooled sandbox (a process or a thread) offers the pool. */
export interface PoolMember {
  readonly alive: boolean;
  /** Settles when the sandbox answers requests. */
  readonly ready: Promise<void>;
  /** Settles when the sandbox has ended. */
  readonly exited: Promise<void>;
  /** Keeps the host's event loop alive until `work` settles. */
  hold<T>(work: Promise<T>): Promise<T>;
  kill(reason: string): void;
  /** Told when the pool hands the sandbox out: from then on it is someone's, no longer a spare. */
  claim?(): void;
}

/** How a pool makes its members. */
export interface WarmPoolOptions<T extends PoolMember> {
  /** Sandboxes kept ready. */
  spareCount: number;
  /** Starts a sandbox for the pool (it loads in the background; `ready` says when it is done). */
  spawnSpare(): Promise<T>;
  /** Starts a sandbox for immediate use, when no spare is ready; resolves once it is ready. */
  startNow(): Promise<T>;
  /** The refill waits this long, so loading a spare does not slow the first runs of the one just handed out. */
  refillDelayMs: number;
}

/**
 * Sandboxes started ahead of need, so an executor gets a ready one in milliseconds instead of
 * waiting for it to load. A sandbox leaves the pool for good: used ones are never handed out again.
 */
export class WarmPool<T extends PoolMember> {
  private readonly spares: Promise<T>[] = [];
  private refillTimer: NodeJS.Timeout | undefined;
  private spareCount: number;

  constructor(private readonly options: WarmPoolOptions<T>) {
    this.spareCount = options.spareCount;
  }

  /** Sandboxes started ahead of need now (loading or ready). */
  get spareSandboxes(): number {
    return this.spares.length;
  }

  /** A ready sandbox: a warm spare when there is one, else a new one. Refills the pool behind it. */
  async acquire(): Promise<T> {
    try {
      while (this.spares.length > 0) {
        const member = await this.spares.shift()!.catch(() => undefined);
        if (member?.alive && (await member.hold(member.ready).then(() => true, () => false)) && member.alive) {
          member.claim?.();
          return member;
        }
      }
      return await this.options.startNow();
    } finally {
      this.refillSoon();
    }
  }

  /** Keeps at least `count` sandboxes ready from now on, and resolves once they are. */
  async prewarm(count: number): Promise<void> {
    this.spareCount = Math.max(this.spareCount, count);
    this.refill();
    await Promise.allSettled(
      this.spares.map(async (spare) => {
        const member = await spare;
        await member.hold(member.ready);
      }),
    );
  }

  /** Ends every spare; the pool refills on its next use. */
  async drain(): Promise<void> {
    clearTimeout(this.refillTimer);
    this.refillTimer = undefined;
    const spares = this.spares.splice(0);
    await Promise.all(
      spares.map(async (spare) => {
        const member = await spare.catch(() => undefined);
        if (member) {
          member.kill("pool drained");
          await member.hold(member.exited);
        }
      }),
    );
  }

  private refillSoon(): void {
    if (this.refillTimer !== undefined || this.spares.length >= this.spareCount) return;
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.refill();
    }, this.options.refillDelayMs);
    this.refillTimer.unref();
  }

  private refill(): void {
    while (this.spares.length < this.spareCount) {
      const spare = this.options.spawnSpare();
      spare.then((member) => member.ready).catch(() => undefined);
      this.spares.push(spare);
    }
  }
}
