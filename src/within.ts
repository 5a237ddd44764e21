// Waiting for something with a bound: a readiness probe, a worker finishing its job at shutdown.

/**
 * `promise`'s value, or `fallback` once `ms` have passed (the timer is cleared either way, holding no process).
 * `unref`: a long wait that must not keep a stopping process alive meanwhile (one whose answer may never be read).
 */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  fallback: T,
  { unref = false } = {},
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    if (unref) timer.unref();
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
