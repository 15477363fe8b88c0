/** `work`, or a rejection with `reason` once `ms` have passed without it settling (the work itself is not stopped). */
export function withTimeout<T>(work: Promise<T>, ms: number, reason: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(reason)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
