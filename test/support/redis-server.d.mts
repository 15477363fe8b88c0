/** A running redis-server. */
export interface RedisServer {
  url: string;
  port: number;
  /** Freezes the server (SIGSTOP): clients' commands hang as on a network outage. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

/** A port nothing listens on now. */
export declare function freePort(): Promise<number>;

/** Starts redis-server and resolves once it accepts connections (within 10 s). */
export declare function startRedisServer(): Promise<RedisServer>;
