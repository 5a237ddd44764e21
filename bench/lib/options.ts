// A benchmark's `--name value` options, each read with its default. Benchmarks live one file each in bench/
// (bench/run.ts lists them); what they share lives here, where it is not taken for a benchmark.

/** Reads `--name value` from `args` (the process's own by default), or `fallback` where it is not given. */
export function optionReader(args: readonly string[] = process.argv.slice(2)) {
  return (name: string, fallback: string): string => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? (args[i + 1] ?? fallback) : fallback;
  };
}
