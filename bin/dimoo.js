#!/usr/bin/env node
// The dimoo CLI. Runs a bundle of the TypeScript sources, rebuilt whenever they change (bin/cli-bundle.js), so it
// needs no build step.
import { loadCliMain } from './cli-bundle.js';

const main = await loadCliMain();
process.exitCode = await main(process.argv.slice(2));
