#!/usr/bin/env node
// The dimoo CLI. Runs a bundle of the TypeScript sources, rebuilt whenever they change (bin/cli-bundle.js), so it
// needs no build step.
import { loadCliMain } from './cli-bundle.js';

// A reader that stops early (`dimoo config | head -1`) closes the pipe: the output ends there, with the command's
// own exit code or else the 141 of a process ended by SIGPIPE, not with an unhandled EPIPE and its stack trace.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 141);
  });

const main = await loadCliMain();
process.exitCode = await main(process.argv.slice(2));
