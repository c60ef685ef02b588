#!/usr/bin/python3
"""ONNX Runtime baseline for bench_clip, side by side in one run, on the same weights and threads.

Exports the ViT-B/32 random-weight folder that bench_clip writes (LINGBI_BENCH_CLIP_DIR, default
/tmp/lingbi-bench-clip/clip-vit-b32-hf) to ONNX with PyTorch, using the model of
clip_torch_baseline.py (opset 14, one file per batch size next to the folder, clip-vit-b32-bN.onnx:
torch 1.13's export of a dynamic batch axis fails on `expand`), runs it with ONNX Runtime from npm
(onnxruntime-node, pinned below, installed with its install scripts skipped, which would fetch GPU
binaries: the CPU library ships in the package) and runs build/bin/bench_clip, alternating, at
batch 1 and 16. Prints images/s, the ratio lingbi / ONNX Runtime for each lingbi weight type, each
type's lowest cosine to lingbi f32 on the bench's images, and ONNX Runtime's to PyTorch.

Needs Debian's python3-torch (installed by hand for the bench only, never by setup or CI:
apt-get install python3-torch) and Node.js with npm. onnxruntime-node goes into
$LINGBI_CACHE_DIR/bench-node (default ~/.cache/lingbi/bench-node), outside the clone, once.
Usage (Debian's interpreter, where python3-torch lives):
  /usr/bin/python3 bench/clip_onnx_baseline.py [--threads 2] [--rounds 2] [--bench build/bin/bench_clip]
      [--vit b32|l14-336] [--batches 1,16] [--types f32,f16,bf16,q8_0]
--vit l14-336 runs ViT-L/14 at 336 px instead (about 5 GB of files under the bench folder with
both ONNX exports; f32 is always written, being the reference of the cosines).
"""
import argparse, json, os, subprocess, sys, tempfile, warnings

import numpy as np
import torch

sys.dont_write_bytecode = True  # importing the PyTorch baseline must leave no __pycache__ in the clone
from clip_torch_baseline import VisionTower, bench_folder, load_safetensors, run_lingbi

ORT_VERSION = "1.30.0"
TYPES = ("f32", "f16", "bf16", "q8_0")
HERE = os.path.dirname(os.path.abspath(__file__))


def ensure_ort():
    """The folder whose node_modules holds onnxruntime-node ORT_VERSION, installed there if needed."""
    cache = os.environ.get("LINGBI_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "lingbi")
    root = os.path.join(cache, "bench-node")
    pkg = os.path.join(root, "node_modules", "onnxruntime-node", "package.json")
    if not (os.path.exists(pkg) and json.load(open(pkg))["version"] == ORT_VERSION):
        os.makedirs(root, exist_ok=True)
        subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", root,
                        f"onnxruntime-node@{ORT_VERSION}"], check=True)
    return root


def export(model, folder, batch, size):
    """folder's model as ONNX for a fixed batch, written once (again when the weights are newer)."""
    path = os.path.join(os.path.dirname(folder), f"{os.path.basename(folder).removesuffix('-hf')}-b{batch}.onnx")
    weights = os.path.join(folder, "model.safetensors")
    if not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(weights):
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch 1.13's exporter warns about shape inference of constants
            torch.onnx.export(model, (torch.zeros(batch, 3, size, size),), path + ".part", opset_version=14,
                              input_names=["pixels"], output_names=["embedding"])
        os.replace(path + ".part", path)
    return path


def run_ort(ort_root, onnx, pixels, threads, seconds=3.0):
    """(images/s, embeddings) of ONNX Runtime on pixels [batch, 3, size, size]."""
    with tempfile.TemporaryDirectory(prefix="lingbi-onnx-") as tmp:
        inp, out = os.path.join(tmp, "in.f32"), os.path.join(tmp, "out.f32")
        pixels.numpy().astype("<f4").tofile(inp)
        res = subprocess.run(["node", os.path.join(HERE, "clip_onnx_run.mjs"), f"--ort={ort_root}", f"--model={onnx}",
                              f"--input={inp}", f"--output={out}", f"--batch={pixels.shape[0]}",
                              f"--size={pixels.shape[-1]}", f"--threads={threads}", f"--seconds={seconds}"],
                             check=True, capture_output=True, text=True)
        emb = torch.from_numpy(np.fromfile(out, dtype="<f4")).reshape(pixels.shape[0], -1)
        return json.loads(res.stdout)["images_per_s"], emb


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bench", default="build/bin/bench_clip")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    ap.add_argument("--batches", default="1,16")
    ap.add_argument("--vit", default="b32", choices=("b32", "l14-336"))
    ap.add_argument("--types", default=",".join(TYPES), help="lingbi weight types to run")
    args = ap.parse_args()
    types = tuple(args.types.split(","))
    env = dict(os.environ, LINGBI_THREADS=str(args.threads), LINGBI_BENCH_VIT=args.vit)
    ort_root = ensure_ort()
    # bench_clip writes the weights on its first run; run it first so that all use the same folder.
    run_lingbi(args.bench, env, 1, types, min_time=0.1)
    folder = bench_folder(args.vit)
    cfg = json.load(open(os.path.join(folder, "config.json")))["vision_config"]
    model = VisionTower(load_safetensors(os.path.join(folder, "model.safetensors")), cfg)
    torch.set_num_threads(args.threads)
    size = cfg["image_size"]
    print(f"threads {args.threads}, onnxruntime-node {ORT_VERSION}, torch {torch.__version__}; "
          f"best of {args.rounds} alternating rounds; images/s (lingbi / ONNX Runtime)")
    print(f"{'batch':>5} {'ORT':>7} " + " ".join(f"{'lingbi ' + t:>20}" for t in types))
    cos_line = []
    for batch in (int(b) for b in args.batches.split(",")):
        onnx = export(model, folder, batch, size)
        pixels = torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(batch))
        with torch.inference_mode():
            want = model(pixels)
        best_ort, best = 0.0, {t: (0.0, 0.0, 0.0) for t in types}
        for _ in range(args.rounds):
            ours, peak_line = run_lingbi(args.bench, env, batch, types)
            for t in types:
                if ours[t][0] > best[t][0]:
                    best[t] = ours[t]
            ips, emb = run_ort(ort_root, onnx, pixels, args.threads)
            best_ort = max(best_ort, ips)
        ort_cos = torch.nn.functional.cosine_similarity(emb, want, dim=-1).min().item()
        print(f"{batch:>5} {best_ort:>7.2f} " + " ".join(f"{best[t][0]:>13.2f} ({best[t][0] / best_ort:.2f}x)" for t in types))
        cos_line.append(f"batch {batch}: ORT to PyTorch {ort_cos:.7f}; lingbi to lingbi f32 "
                        + ", ".join(f"{t} {best[t][2]:.6f}" for t in types if t != "f32"))
    print("lowest cosine, " + "\n              ".join(cos_line))
    print(peak_line)


if __name__ == "__main__":
    sys.exit(main())
