import type { CliIo } from './command.js';
import { UsageError } from './command.js';
import { commands } from './commands.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: dimoo <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "dimoo <command> --help" for the options of one command.',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = process): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`Unknown command "${name}".\n\n${usage()}\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(
      `Usage: ${command.usage}\n\n${entry.summary}\n${command.help ? `\n${command.help}\n` : ''}`,
    );
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n\nUsage: ${command.usage}\n`);
      return 2;
    }
    io.stderr.write(`dimoo ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
