// Test double: in-memory stdout/stderr for the CLI's main(), read back as text.
import type { CliIo } from '../../src/cli/command.js';

export function captureIo(): CliIo & { out: () => string; err: () => string } {
  const chunks = { out: [] as string[], err: [] as string[] };
  const stream = (into: string[]) =>
    ({ write: (chunk: string) => into.push(String(chunk)) > 0 }) as unknown as NodeJS.WritableStream;
  return {
    stdout: stream(chunks.out),
    stderr: stream(chunks.err),
    out: () => chunks.out.join(''),
    err: () => chunks.err.join(''),
  };
}
