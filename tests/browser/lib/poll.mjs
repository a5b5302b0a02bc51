// Waiting for a condition, never for time: `check` is asked again and again
// until it gives something truthy or the deadline passes.

/**
 * Resolves with the first truthy value `check` gives; rejects naming `what`
 * (and the last error `check` threw) once `timeoutMs` has passed.
 */
export async function eventually(what, check, { timeoutMs = 20_000, everyMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? `: ${lastError.message}` : '';
      throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Rejects naming `what` when `promise` has not settled within `timeoutMs`. */
export function within(what, timeoutMs, promise) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
