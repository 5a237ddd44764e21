// Test double: in-memory stdout/stderr for the CLI's main(), read back as text.
import type { CliIo } from '../../src/cli/command.js';

/** `terminal`: stderr says it is a terminal, as a shell's is, so the CLI draws its progress bar there. */
export function captureIo(
  options: { terminal?: boolean } = {},
): CliIo & { out: () => string; err: () => string } {
  const chunks = { out: [] as string[], err: [] as string[] };
  const stream = (into: string[], isTTY = false) =>
    ({ isTTY, write: (chunk: string) => into.push(String(chunk)) > 0 }) as unknown as NodeJS.WritableStream;
  return {
    stdout: stream(chunks.out),
    stderr: stream(chunks.err, options.terminal),
    out: () => chunks.out.join(''),
    err: () => chunks.err.join(''),
  };
}
