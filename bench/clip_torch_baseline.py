#!/usr/bin/python3
"""PyTorch CPU baseline for bench_clip, side by side in one run, on the same weights and threads.

Reads the ViT-B/32 random-weight folder that bench_clip writes (LINGBI_BENCH_CLIP_DIR, default
/tmp/lingbi-bench-clip/clip-vit-b32-hf), runs CLIP's vision tower in plain PyTorch (fp32, inference
mode), then runs build/bin/bench_clip and prints both and their ratio. Needs Debian's python3-torch,
installed by hand for the bench only (never by setup or CI):  apt-get install python3-torch
Usage (Debian's interpreter, where python3-torch lives): /usr/bin/python3 bench/clip_torch_baseline.py [--threads 2] [--bench build/bin/bench_clip]
"""
import argparse, json, os, struct, subprocess, sys, time

import torch
import torch.nn.functional as F


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__" or t["dtype"] != "F32":
            continue
        b, e = t["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(t["shape"])
    return out


class VisionTower(torch.nn.Module):
    def __init__(self, w, cfg):
        super().__init__()
        self.w, self.cfg = w, cfg
        self.heads = cfg["num_attention_heads"]
        self.gelu = cfg["hidden_act"] == "gelu"

    def ln(self, x, p):
        return F.layer_norm(x, x.shape[-1:], self.w[p + ".weight"], self.w[p + ".bias"], self.cfg["layer_norm_eps"])

    def lin(self, x, p):
        return F.linear(x, self.w[p + ".weight"], self.w[p + ".bias"])

    def forward(self, px):
        w, p = self.w, self.cfg["patch_size"]
        x = F.conv2d(px, w["vision_model.embeddings.patch_embedding.weight"], stride=p).flatten(2).transpose(1, 2)
        cls = w["vision_model.embeddings.class_embedding"].expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], 1) + w["vision_model.embeddings.position_embedding.weight"]
        x = self.ln(x, "vision_model.pre_layrnorm")
        b, n, e = x.shape
        d = e // self.heads
        for i in range(self.cfg["num_hidden_layers"]):
            l = f"vision_model.encoder.layers.{i}."
            h = self.ln(x, l + "layer_norm1")
            q = self.lin(h, l + "self_attn.q_proj").view(b, n, self.heads, d).transpose(1, 2) * d ** -0.5
            k = self.lin(h, l + "self_attn.k_proj").view(b, n, self.heads, d).transpose(1, 2)
            v = self.lin(h, l + "self_attn.v_proj").view(b, n, self.heads, d).transpose(1, 2)
            a = torch.softmax(q @ k.transpose(-1, -2), -1) @ v
            x = x + self.lin(a.transpose(1, 2).reshape(b, n, e), l + "self_attn.out_proj")
            h = self.lin(self.ln(x, l + "layer_norm2"), l + "mlp.fc1")
            h = F.gelu(h) if self.gelu else h * torch.sigmoid(1.702 * h)
            x = x + self.lin(h, l + "mlp.fc2")
        pooled = self.ln(x[:, 0], "vision_model.post_layernorm")
        return F.normalize(pooled @ w["visual_projection.weight"].T, dim=-1)


def time_torch(model, batch, size, seconds=3.0):
    px = torch.randn(batch, 3, size, size)
    with torch.inference_mode():
        model(px)
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds or n < 2:
            model(px)
            n += 1
        return n * batch / (time.perf_counter() - start)


def bench_folder(vit="b32"):
    """The Hugging Face folder of the tower that bench_clip writes for LINGBI_BENCH_VIT=vit (bench/vit_model.h)."""
    return os.path.join(os.environ.get("LINGBI_BENCH_CLIP_DIR", "/tmp/lingbi-bench-clip"), f"clip-vit-{vit}-hf")


def run_lingbi(bench, env, batch, types=("f32", "f16", "q8_0"), min_time=2):
    """bench_clip at one batch size: {type: (images/s, fraction of the fp32 peak, cosine to f32)}, its stderr."""
    pattern = f"BM_clip_({'|'.join(types)})/{batch}/"
    res = subprocess.run([bench, f"--benchmark_filter={pattern}", f"--benchmark_min_time={min_time}",
                          "--benchmark_format=json"], env=env, check=True, capture_output=True, text=True)
    runs = json.loads(res.stdout)["benchmarks"]
    return ({b["name"].split("/")[0].replace("BM_clip_", ""): (b["images/s"], b["peak_fraction"], b["cos_to_f32"])
             for b in runs}, res.stderr.strip())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bench", default="build/bin/bench_clip")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is kept")
    args = ap.parse_args()
    folder = bench_folder()
    env = dict(os.environ, LINGBI_THREADS=str(args.threads))
    # bench_clip writes the weights on its first run; run it first so both use the same folder.
    run_lingbi(args.bench, env, 1)
    torch.set_num_threads(args.threads)
    cfg = json.load(open(os.path.join(folder, "config.json")))["vision_config"]
    model = VisionTower(load_safetensors(os.path.join(folder, "model.safetensors")), cfg)
    print(f"threads {args.threads}, torch {torch.__version__}; best of {args.rounds} alternating rounds")
    print(f"{'batch':>5} {'torch img/s':>12} {'lingbi f32':>11} {'lingbi f16':>11} {'lingbi q8_0':>12}  ratios to torch")
    types = ("f32", "f16", "q8_0")
    for batch in (1, 16):
        best_t, best = 0.0, {ty: (0.0, 0.0, 0.0) for ty in types}
        for _ in range(args.rounds):
            ours, peak_line = run_lingbi(args.bench, env, batch)
            for ty in types:
                if ours[ty][0] > best[ty][0]:
                    best[ty] = ours[ty]
            best_t = max(best_t, time_torch(model, batch, cfg["image_size"]))
        l = [best[ty][0] for ty in types]
        print(f"{batch:>5} {best_t:>12.2f} {l[0]:>11.2f} {l[1]:>11.2f} {l[2]:>12.2f}  "
              + " ".join(f"{x / best_t:.2f}x" for x in l)
              + "   of fp32 peak: " + " ".join(f"{best[ty][1]:.0%}" for ty in types))
    print(peak_line)


if __name__ == "__main__":
    sys.exit(main())
