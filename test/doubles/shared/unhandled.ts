/**
 * Collects unhandled promise rejections while `body` runs, instead of letting the test runner fail the file.
 * discord.js turns a dispatch it cannot parse into an unhandled rejection inside @discordjs/ws (there is no
 * client-level hook to catch it), so robustness tests need to see them, count them, and go on.
 */
export async function captureUnhandledRejections<T>(
  body: (captured: unknown[]) => Promise<T>,
): Promise<{ result: T; captured: unknown[] }> {
  const captured: unknown[] = [];
  const saved = process.listeners('unhandledRejection');
  const capture = (reason: unknown) => {
    captured.push(reason);
  };
  process.removeAllListeners('unhandledRejection');
  process.on('unhandledRejection', capture);
  try {
    const result = await body(captured);
    // Rejections are reported after a microtask turn; let any straggler surface while we still listen.
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { result, captured };
  } finally {
    process.off('unhandledRejection', capture);
    for (const listener of saved) process.on('unhandledRejection', listener);
  }
}

/**
 * Records every unhandled promise rejection from now until `stop()`, on top of the runner's own handling, so a
 * test can assert there were none (the e2e lifecycle tests do, after each test).
 */
export function watchUnhandledRejections(): { rejections: unknown[]; stop(): void } {
  const rejections: unknown[] = [];
  const record = (reason: unknown) => {
    rejections.push(reason);
  };
  process.on('unhandledRejection', record);
  return { rejections, stop: () => process.off('unhandledRejection', record) };
}
