// `dimoo check-model`: whether a downloaded checkpoint folder is complete and which cards it fits, before the
// minutes a first load takes (engine/inspect-checkpoint.ts). Reads headers only.
import {
  type CheckpointReport,
  gigabytes as gb,
  inspectCheckpoint,
  type MemoryRow,
} from '../../engine/index.js';
import { parse } from './args.js';
import type { CliCommand } from './command.js';
import { DEVICE_MEMORY_FLAG, deviceMemoryBudget, JSON_FLAG, MODEL_FLAG, modelOption } from './engine-io.js';

function runName(row: MemoryRow): string {
  const device = row.device === 'cuda' ? 'GPU' : 'CPU';
  return [device, row.precision, row.quant === 'none' ? '' : row.quant].filter(Boolean).join(' ');
}

/** The report as a terminal reads it: the folder, then one row per way of running it. */
export function reportText(r: CheckpointReport): string {
  const { dims } = r;
  const bytes = r.files.reduce((sum, f) => sum + f.bytes, 0);
  const heads = dims.nKvHeads === dims.nHeads ? `${dims.nHeads}` : `${dims.nHeads} (${dims.nKvHeads} K/V)`;
  const budget = r.budget === undefined ? undefined : `largest square on ${gb(r.budget)} GB`;
  const header = ['memory (GB)', 'weights', '1024²', '1024² ML-Cache', ...(budget ? [budget] : [])];
  const rows = r.memory.map((m) => [
    `  ${runName(m)}`,
    gb(m.weights),
    gb(m.image1024),
    gb(m.image1024MlCache),
    ...(budget ? [m.largestSquare === undefined ? 'does not fit' : `${m.largestSquare}²`] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [
    `${r.dir}: complete (${r.dtype}, ${r.tensors} tensors in ${r.files.length} files, ${gb(bytes)} GB)`,
    `  transformer: ${dims.nLayers} layers, d_model ${dims.dModel}, ${heads} heads, MLP ${dims.mlpHidden}, vocabulary ${dims.vocabSize}`,
    `  VQ: ${r.vq.codebookSize} codes, ${r.vq.scaleFactor}× downsampling; image codes from token ${r.layout.imageCodeOffset}, mask ${r.layout.mask}`,
    line(header),
    ...rows.map(line),
    '  (estimates: weights, caches and one forward pass; onnxruntime may hold more)',
  ].join('\n');
}

const FLAGS = {
  model: MODEL_FLAG,
  'device-memory-gb': {
    ...DEVICE_MEMORY_FLAG,
    help: 'also give the largest square image each way of running fits in this many gigabytes (default: DEVICE_MEMORY_GB, else none)',
  },
  json: { ...JSON_FLAG, help: 'print the report as one JSON object (default: the text table)' },
} as const;

export const command: CliCommand = {
  usage: 'dimoo check-model --model DIR [--device-memory-gb N] [--json]',
  flags: FLAGS,
  json: true,
  async run(argv, io) {
    const o = parse(argv, FLAGS);
    const dir = modelOption(o.model);
    const budget = deviceMemoryBudget(o['device-memory-gb']);
    // A missing or broken file is an EngineError naming it: cli/main.ts prints it in one line, exit 1.
    const report = await inspectCheckpoint(dir, { budget });
    io.stdout.write(`${o.json ? JSON.stringify(report) : reportText(report)}\n`);
    return 0;
  },
};
