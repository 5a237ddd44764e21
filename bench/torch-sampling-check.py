#!/usr/bin/env python3
"""Records what real torch computes for upstream's bf16 image-code sampling, so that the TypeScript emulation
(test/reference/torch-bf16-sampling.ts) can be checked against it afterwards, without a GPU
(test/engine/sampling/torch-sampling-record.test.ts reads the record).

    python3 bench/torch-sampling-check.py bench/results/torch-sampling.json [--device cuda|cpu] [--budget 60]

Writes the JSON to the path given and, when $OUT is set, to $OUT/torch-sampling.json. It never fails the run that
calls it (bench/gpu-check.sh): without torch or CUDA it records {"skipped": why}; an exception is recorded in the
part it broke ("error") and the rest goes on; the exit status is always 0. A skipped record never replaces a
record that holds results. `--device cpu` only checks the script's mechanics: CPU kernels differ from CUDA's, so
such a record is no evidence about upstream and is not kept as bench/results.

Upstream is Alpha-VLLM/Lumina-DiMOO at 81344e6, utils/generation_utils.py; every op below is spelled as there:
  line 34  `u = torch.rand_like(t)`                                (t bf16 on CUDA: the logits)
  line 37  `return -torch.log(-torch.log(u + 1e-20) + 1e-20)`     (gumbel_noise)
  line 44  `g = gumbel_noise(logits, generator=generator)`        (gumbel_max_sample, generator None)
  line 45  `return (logits / tau + g).argmax(dim=-1)`
  line 57  `confidence = torch.log(probs.clamp_min(1e-20)) + temperature * g`   (mask_by_random_topk)
Parts of the record:
  gumbel_noise  line 37 on every bf16 u in [0, 1) (bit patterns 0x0000..0x3F7F): the results' bf16 bit patterns
  log_clamp     line 57's `torch.log(probs.clamp_min(1e-20))` on every bf16 p in [0, 1] (0x0000..0x3F80)
  rand          line 34's draw: the level histogram of torch.rand(n, dtype=bf16) after torch.manual_seed(seed)
  gumbel_max    lines 34-45 on a fixed row of K = 1024 bf16 logits, l[i] = ((7 i) mod 17 - 8) / 8 (exact in bf16),
                tau = 1, `draws` rows drawn: how often each index was chosen
Bit patterns travel as one hex string, 4 digits (big-endian uint16) per value.
"""

import argparse
import json
import os
import platform
import signal
import sys
import time
import traceback

UPSTREAM = "Alpha-VLLM/Lumina-DiMOO@81344e6 utils/generation_utils.py"
K = 1024
GUMBEL_TO = 0x3F80  # exclusive: the bf16 values in [0, 1)
LOG_TO = 0x3F81  # exclusive: the bf16 values in [0, 1]
STOP = []  # set by SIGTERM (`timeout`): the histograms stop drawing and what they have is written


def drawing(deadline):
    return time.monotonic() < deadline and not STOP


def gumbel_noise(t, torch):
    u = torch.rand_like(t)  # upstream line 34 (generator None)
    return -torch.log(-torch.log(u + 1e-20) + 1e-20)  # upstream line 37


def gumbel_max_sample(logits, tau, torch):
    g = gumbel_noise(logits, torch)  # upstream line 44
    return (logits / tau + g).argmax(dim=-1)  # upstream line 45


def bf16_from_bits(torch, start, stop, device):
    """Every bf16 value whose bit pattern is in [start, stop), as a tensor on device."""
    bits = torch.arange(start, stop, dtype=torch.int32).to(torch.int16)
    return bits.view(torch.bfloat16).to(device)


def hex_bits(torch, x):
    """A bf16 tensor's bit patterns as one hex string."""
    words = (x.detach().view(torch.int16).to(torch.int32) & 0xFFFF).cpu().tolist()
    return "".join("%04x" % w for w in words)


def record_gumbel_noise(torch, device):
    u = bf16_from_bits(torch, 0, GUMBEL_TO, device)
    g = -torch.log(-torch.log(u + 1e-20) + 1e-20)  # upstream line 37 on the given u
    return {"expr": "-torch.log(-torch.log(u + 1e-20) + 1e-20)", "from": 0, "to": GUMBEL_TO, "bits": hex_bits(torch, g)}


def record_log_clamp(torch, device):
    p = bf16_from_bits(torch, 0, LOG_TO, device)
    logp = torch.log(p.clamp_min(1e-20))  # upstream line 57's first term
    return {"expr": "torch.log(p.clamp_min(1e-20))", "from": 0, "to": LOG_TO, "bits": hex_bits(torch, logp)}


def record_rand(torch, device, n, chunk, seed, deadline):
    torch.manual_seed(seed)
    counts = torch.zeros(1 << 16, dtype=torch.int64, device=device)
    drawn = 0
    while drawn < n and drawing(deadline):
        size = min(chunk, n - drawn)
        u = torch.rand(size, dtype=torch.bfloat16, device=device)  # the op behind upstream line 34's rand_like
        bits = u.view(torch.int16).to(torch.int64) & 0xFFFF
        counts += torch.bincount(bits, minlength=1 << 16)
        drawn += size
    levels = torch.nonzero(counts).flatten()
    return {
        "seed": seed,
        "n": drawn,
        "n_asked": n,
        "chunk": chunk,
        "levels": levels.cpu().tolist(),
        "counts": counts[levels].cpu().tolist(),
    }


def record_gumbel_max(torch, device, draws, chunk, seed, deadline):
    torch.manual_seed(seed)
    i = torch.arange(K, dtype=torch.int64)
    row = (((7 * i) % 17 - 8).to(torch.float32) / 8).to(torch.bfloat16)
    counts = torch.zeros(K, dtype=torch.int64, device=device)
    logits = None
    drawn = 0
    while drawn < draws and drawing(deadline):
        rows = min(chunk, draws - drawn)
        if logits is None or logits.shape[0] != rows:
            logits = row.to(device).expand(rows, K).contiguous()
        sampled = gumbel_max_sample(logits, 1.0, torch)
        counts += torch.bincount(sampled, minlength=K)
        drawn += rows
    return {
        "seed": seed,
        "k": K,
        "tau": 1.0,
        "logits": "((7 i) mod 17 - 8) / 8 for i in 0..1023, bf16",
        "draws": drawn,
        "draws_asked": draws,
        "chunk": chunk,
        "counts": counts.cpu().tolist(),
    }


def dumps(value, depth=0):
    """JSON with one key a line down to the parts' fields, each list on one line: the record stays about 150 KB."""
    if isinstance(value, dict) and depth < 2:
        pad = " " * (depth + 1)
        rows = ["%s%s: %s" % (pad, json.dumps(k), dumps(v, depth + 1)) for k, v in value.items()]
        return "{\n" + ",\n".join(rows) + "\n" + " " * depth + "}"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def write(record, paths):
    text = dumps(record) + "\n"
    for path in paths:
        try:
            if record.get("skipped") and path == paths[0] and os.path.exists(path):
                with open(path) as f:
                    old = json.load(f)
                if not old.get("skipped"):
                    print("torch-sampling-check: kept the record with results in %s" % path)
                    continue
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
            print("torch-sampling-check: wrote %s" % path)
        except Exception as e:  # a read-only results folder still leaves the $OUT copy
            print("torch-sampling-check: could not write %s: %s" % (path, e))


def run(args, record):
    started = time.monotonic()
    deadline = started + args.budget
    try:
        import torch
    except Exception as e:
        record["skipped"] = "no torch in %s: %s" % (sys.executable, e)
        return
    record["torch"] = torch.__version__
    record["cuda"] = torch.version.cuda
    if args.device == "cuda":
        if not torch.cuda.is_available():
            record["skipped"] = "torch %s in %s sees no CUDA device" % (torch.__version__, sys.executable)
            return
        record["device"] = torch.cuda.get_device_name(0)
    else:
        record["device"] = "cpu: not CUDA, checks only this script's mechanics"
    record["device_kind"] = args.device
    parts = [
        ("gumbel_noise", lambda: record_gumbel_noise(torch, args.device)),
        ("log_clamp", lambda: record_log_clamp(torch, args.device)),
        # The two histograms share what is left of the budget, the draws of rand first.
        ("rand", lambda: record_rand(torch, args.device, args.rand_n, args.rand_chunk, args.seed,
                                     time.monotonic() + (deadline - time.monotonic()) / 2)),
        ("gumbel_max", lambda: record_gumbel_max(torch, args.device, args.draws, args.draw_chunk, args.seed + 1,
                                                 deadline)),
    ]
    for name, part in parts:
        t = time.monotonic()
        try:
            record[name] = part()
            if args.device == "cuda":
                torch.cuda.synchronize()
        except Exception as e:
            record[name] = {"error": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc(limit=4)}
        record[name]["seconds"] = round(time.monotonic() - t, 2)
        print("torch-sampling-check: %s in %.1f s" % (name, record[name]["seconds"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", default="bench/results/torch-sampling.json")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds in all; the histograms stop drawing then")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--rand-n", type=int, default=1 << 28)
    parser.add_argument("--rand-chunk", type=int, default=1 << 24)
    parser.add_argument("--draws", type=int, default=1 << 20)
    parser.add_argument("--draw-chunk", type=int, default=1 << 15)
    args = parser.parse_args()
    record = {
        "schema": 1,
        "script": "bench/torch-sampling-check.py",
        "upstream": UPSTREAM,
        "python": platform.python_version(),
        "executable": sys.executable,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    started = time.monotonic()

    def on_term(signum, frame):
        STOP.append("SIGTERM")
        record["stopped"] = "SIGTERM after %.1f s" % (time.monotonic() - started)

    signal.signal(signal.SIGTERM, on_term)
    try:
        run(args, record)
    except BaseException as e:  # never fails the GPU run, not even on Ctrl-C: what was measured is still written
        record["error"] = "%s: %s" % (type(e).__name__, e)
        record["trace"] = traceback.format_exc(limit=6)
    record["seconds"] = round(time.monotonic() - started, 2)
    paths = [args.out] + ([os.path.join(os.environ["OUT"], "torch-sampling.json")] if os.environ.get("OUT") else [])
    write(record, paths)
    if record.get("skipped"):
        print("torch-sampling-check: skipped: %s" % record["skipped"])
    return 0


if __name__ == "__main__":
    try:
        main()
    except BaseException as e:
        print("torch-sampling-check: %s" % e)
    sys.exit(0)
