// What crosses between the main thread (session-thread.ts) and the session thread (session-worker.ts): requests,
// replies and tensors as plain data. A tensor's array travels by transfer, so outputs are never copied; feeds are
// copied first, since a caller may feed the same array again.
import { type Feeds, type Outputs, type SessionOptions, Tensor, type ValueMetadata } from './ort.js';

/**
 * The states of the `busy` word the two threads share: the session thread claims BUSY from IDLE for each request; a
 * process that exits claims EXITING from IDLE, after which the thread starts nothing more (session-thread.ts).
 */
export const IDLE = 0;
export const BUSY = 1;
export const EXITING = 2;

export interface WireTensor {
  type: Tensor['type'];
  data: Tensor['data'];
  dims: readonly number[];
}

export type WireTensors = Record<string, WireTensor>;

export type SessionRequest =
  | { id: number; kind: 'open'; model: string | Uint8Array; options: SessionOptions }
  | { id: number; kind: 'run'; session: number; feeds: WireTensors; fetches?: string[] }
  | { id: number; kind: 'release'; session: number; endProfiling: boolean };

/** What an opened session's proxy needs to answer without asking the thread. */
export interface OpenedOnThread {
  session: number;
  inputNames: string[];
  outputNames: string[];
  inputMetadata: ValueMetadata[];
}

export type SessionReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; message: string };

/** `tensors` as wire data and the buffers to transfer with them (`copy`: of fresh copies, the originals kept). */
export function toWire(
  tensors: Feeds | Outputs,
  copy: boolean,
): { wire: WireTensors; transfer: ArrayBuffer[] } {
  const wire: WireTensors = {};
  const transfer = new Set<ArrayBuffer>();
  for (const [name, value] of Object.entries(tensors)) {
    const tensor = value as Tensor;
    let data = tensor.data;
    if (ArrayBuffer.isView(data)) {
      if (copy) data = data.slice() as typeof data;
      if (data.buffer instanceof ArrayBuffer) transfer.add(data.buffer);
    }
    wire[name] = { type: tensor.type, data, dims: tensor.dims };
  }
  return { wire, transfer: [...transfer] };
}

export function fromWire(wire: WireTensors): Record<string, Tensor> {
  const tensors: Record<string, Tensor> = {};
  // Each type's constructor overload takes its own array type; the pair arrives as the sender's tensor held it.
  for (const [name, { type, data, dims }] of Object.entries(wire))
    tensors[name] = new Tensor(type as 'float32', data as Float32Array, dims);
  return tensors;
}
