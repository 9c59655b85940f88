#!/usr/bin/env python3
"""The PyTorch peer of the benchmark: what a PyTorch user runs instead of webgpu-mixup, on the same
batch (256x3x224x224 by default) and the same GPU, timed with CUDA events (wall time on the CPU).

Rows use the benchmark's ids (`images u8>f32 norm | batch mixup flip`), so bench.mjs summary can
pair them with ours. Pairings: flip (timm: i mixes with B-1-i), roll (torchvision v2: i with i-1),
shuffle (the mixup paper's code: a random permutation). Implementations:
  torch             the composition written in plain torch: cast, /255, -mean, /std (uint8 input),
                    then lam*a + (1-lam)*a[partner] or a box pasted from the partner; one lam and box
                    per batch (batch mode) or per sample, vectorised (elem mode); the draws (numpy
                    Beta, randperm) are made per call, as a user's loop does. In place on the batch
                    where timm works in place (the normalised copy, or the float32 input).
  torchvision.v2    v2.ToDtype + v2.Normalize + v2.MixUp / v2.CutMix (batch, roll), where installed.
  timm              timm.data.Mixup itself (flip, batch and elem), where installed; it also builds the
                    smoothed targets, and works in place.
  torch copy_       dst.copy_(src) of the row's minimum bytes / 2: the copy ceiling on this device.
Each composition of our own is checked once against a per-sample loop written separately below.

  python3 torch_peer.py [--device auto|cuda|cpu] [--quick] [--batch B] [--size S] [--runs N]
                        [--warmup N] [--only TEXT] [--out torch.json]
"""
import argparse
import json
import platform
import statistics
import sys
import time
from datetime import datetime, timezone

import numpy as np
import torch

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
CLASSES = 1000
SMOOTHING = 0.1
SEED = 20240611


def optional_import(name):
    try:
        module = __import__(name, fromlist=["_"])
        return module, None
    except Exception as error:  # an old or missing package is reported, not fatal
        return None, f"{type(error).__name__}: {error}"


torchvision, torchvision_error = optional_import("torchvision")
v2, v2_error = optional_import("torchvision.transforms.v2")
if v2 is not None and not hasattr(v2, "MixUp"):
    v2, v2_error = None, f"torchvision {torchvision.__version__} has transforms.v2 but no MixUp"
timm, timm_error = optional_import("timm")
timm_mixup, timm_mixup_error = optional_import("timm.data") if timm else (None, timm_error)


# ---- draws, as a user's loop makes them (host RNG for lam and boxes, randperm on the device) ----

def draw_lam(rng, count):
    return rng.beta(1.0, 1.0, size=count)


def draw_boxes(rng, lam, H, W):
    """timm's CutMix box: side ratio sqrt(1-lam), uniform centre, clipped; lam corrected to the area."""
    r = np.sqrt(1.0 - lam)
    cut_h, cut_w = (H * r).astype(np.int64), (W * r).astype(np.int64)
    cy, cx = rng.integers(0, H, size=lam.shape), rng.integers(0, W, size=lam.shape)
    y0, y1 = np.clip(cy - cut_h // 2, 0, H), np.clip(cy + cut_h // 2, 0, H)
    x0, x1 = np.clip(cx - cut_w // 2, 0, W), np.clip(cx + cut_w // 2, 0, W)
    corrected = 1.0 - (y1 - y0) * (x1 - x0) / float(H * W)
    return np.stack([y0, y1, x0, x1], axis=1), corrected


def partner_index(pairing, B, device):
    if pairing == "flip":
        return torch.arange(B - 1, -1, -1, device=device)
    if pairing == "roll":
        return torch.arange(-1, B - 1, device=device) % B
    return torch.randperm(B, device=device)


# ---- the compositions ----

def normaliser(device):
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1)
    return lambda x: x.to(torch.float32).div_(255.0).sub_(mean).div_(std)


def make_torch(workload, mode, mix, pairing, B, H, W, device, rng):
    """One call of the plain-torch composition: returns (output, draws) for the check."""
    norm = normaliser(device) if workload == "images u8>f32 norm" else (lambda x: x)
    elem = mode == "elem"

    def call(x):
        a = norm(x)
        p = None if pairing in ("flip", "roll") else partner_index(pairing, B, device)
        lam = draw_lam(rng, B if elem else 1)
        if mix == "mixup":
            if pairing == "flip":
                b = a.flip(0)
            elif pairing == "roll":
                b = a.roll(1, 0)
            else:
                b = a[p]
            if elem:
                w = torch.from_numpy(lam.astype(np.float32)).to(device, non_blocking=True).view(B, 1, 1, 1)
                out = a.mul_(w).add_(b.mul_(1.0 - w))
            else:
                out = a.mul_(float(lam[0])).add_(b, alpha=1.0 - float(lam[0]))
            return out, {"lam": lam if elem else np.repeat(lam, B), "partner": p}
        boxes, lam = draw_boxes(rng, lam, H, W)
        if not elem:
            y0, y1, x0, x1 = (int(v) for v in boxes[0])
            region = a[:, :, y0:y1, x0:x1]
            if pairing == "flip":
                patch = region.flip(0)
            elif pairing == "roll":
                patch = region.roll(1, 0)
            else:
                patch = region[p]
            a[:, :, y0:y1, x0:x1] = patch
            return a, {"boxes": np.repeat(boxes, B, axis=0), "partner": p}
        t = torch.from_numpy(boxes).to(device, non_blocking=True)
        ys = torch.arange(H, device=device).view(1, H, 1)
        xs = torch.arange(W, device=device).view(1, 1, W)
        inside = (ys >= t[:, 0, None, None]) & (ys < t[:, 1, None, None]) & (xs >= t[:, 2, None, None]) & (xs < t[:, 3, None, None])
        if pairing == "flip":
            b = a.flip(0)
        elif pairing == "roll":
            b = a.roll(1, 0)
        else:
            b = a[p]
        return torch.where(inside[:, None], b, a), {"boxes": boxes, "partner": p}

    return call


def make_torchvision(workload, mix, device):
    steps = [v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)] if workload == "images u8>f32 norm" else []
    steps.append(v2.MixUp(alpha=1.0, num_classes=CLASSES) if mix == "mixup" else v2.CutMix(alpha=1.0, num_classes=CLASSES))
    pipeline = v2.Compose(steps)
    return lambda x, y: pipeline(x, y)


def make_timm(workload, mode, mix, device):
    fn = timm_mixup.Mixup(
        mixup_alpha=1.0 if mix == "mixup" else 0.0,
        cutmix_alpha=1.0 if mix == "cutmix" else 0.0,
        mode=mode,
        label_smoothing=SMOOTHING,
        num_classes=CLASSES,
    )
    norm = normaliser(device) if workload == "images u8>f32 norm" else (lambda x: x)
    return lambda x, y: fn(norm(x), y)


def make_labels(mode, pairing, B, device, rng):
    off, on = SMOOTHING / CLASSES, 1.0 - SMOOTHING + SMOOTHING / CLASSES

    def call(y):
        p = None if pairing in ("flip", "roll") else partner_index(pairing, B, device)
        lam = draw_lam(rng, B if mode == "elem" else 1)
        t = torch.full((B, CLASSES), off, device=device).scatter_(1, y.view(B, 1), on)
        b = t.flip(0) if pairing == "flip" else t.roll(1, 0) if pairing == "roll" else t[p]
        w = torch.from_numpy(lam.astype(np.float32)).to(device, non_blocking=True).view(-1, 1)
        return t.mul_(w).add_(b.mul_(1.0 - w)), {"lam": lam if mode == "elem" else np.repeat(lam, B), "partner": p}

    return call


# ---- the check: a per-sample loop, written apart from the compositions ----

def reference(workload, mix, pairing, x, draws, B, H, W):
    xf = x.double()
    if workload == "images u8>f32 norm":
        mean = torch.tensor(MEAN, dtype=torch.float64, device=x.device).view(3, 1, 1)
        std = torch.tensor(STD, dtype=torch.float64, device=x.device).view(3, 1, 1)
        xf = (xf / 255.0 - mean) / std
    out = torch.empty_like(xf)
    partner = draws["partner"]
    for i in range(B):
        j = B - 1 - i if pairing == "flip" else (i - 1) % B if pairing == "roll" else int(partner[i])
        if mix == "mixup":
            lam = float(draws["lam"][i])
            out[i] = lam * xf[i] + (1.0 - lam) * xf[j]
        else:
            y0, y1, x0, x1 = (int(v) for v in draws["boxes"][i])
            out[i] = xf[i]
            out[i, :, y0:y1, x0:x1] = xf[j, :, y0:y1, x0:x1]
    return out


def reference_labels(pairing, y, draws, B):
    off, on = SMOOTHING / CLASSES, 1.0 - SMOOTHING + SMOOTHING / CLASSES
    out = torch.full((B, CLASSES), off, dtype=torch.float64, device=y.device)
    for i in range(B):
        j = B - 1 - i if pairing == "flip" else (i - 1) % B if pairing == "roll" else int(draws["partner"][i])
        lam = float(draws["lam"][i])
        out[i, int(y[i])] += lam * (on - off)
        out[i, int(y[j])] += (1.0 - lam) * (on - off)
    return out


# ---- timing ----

class Timer:
    def __init__(self, device):
        self.cuda = device.type == "cuda"

    def sync(self):
        if self.cuda:
            torch.cuda.synchronize()

    def time(self, fn, runs, warmup):
        gpu, wall = [], []
        for k in range(warmup + runs):
            self.sync()
            if self.cuda:
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            t0 = time.perf_counter()
            if self.cuda:
                start.record()
            fn()
            if self.cuda:
                end.record()
            self.sync()
            t1 = time.perf_counter()
            if k >= warmup:
                wall.append((t1 - t0) * 1000.0)
                if self.cuda:
                    gpu.append(start.elapsed_time(end))
        return (stats(gpu) if gpu else None), stats(wall)


def stats(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "n": len(samples)}


# ---- rows ----

def row_bytes(workload, B, C, H, W):
    if workload == "labels i32>f32":
        return {"in": B * 4, "out": B * CLASSES * 4, "min": B * 4 + B * CLASSES * 4}
    n = B * C * H * W
    inb = n * (1 if workload == "images u8>f32 norm" else 4)
    return {"in": inb, "out": n * 4, "min": inb + n * 4}


def build_rows(args):
    rows = []
    for workload in ("images u8>f32 norm", "images f32"):
        rows.append((workload, None, None, None, "torch copy_"))
        for mix in ("mixup", "cutmix"):
            for mode in ("batch", "elem"):
                for pairing in ("flip", "roll", "shuffle"):
                    rows.append((workload, mode, mix, pairing, "torch"))
                if mode == "batch":
                    rows.append((workload, mode, mix, "roll", "torchvision.v2"))
                rows.append((workload, mode, mix, "flip", "timm"))
    for mode in ("batch", "elem"):
        for pairing in ("flip", "shuffle"):
            rows.append(("labels i32>f32", mode, "mixup", pairing, "torch"))
    out = []
    for workload, mode, mix, pairing, impl in rows:
        rid = f"{workload} | copy" if impl == "torch copy_" else f"{workload} | {mode} {mix} {pairing}"
        if args.only and args.only not in f"{rid} {impl}":
            continue
        out.append({"id": rid, "workload": workload, "mode": mode, "mix": mix, "pairing": pairing, "impl": impl})
    return out


def run_row(row, args, device, timer, rng):
    B, C, H, W = args.batch, 3, args.size, args.size
    workload, mode, mix, pairing, impl = row["workload"], row["mode"], row["mix"], row["pairing"], row["impl"]
    bytes_ = row_bytes(workload, B, C, H, W)
    result = dict(row, bytes=bytes_, ms=None, wallMs=None, timing=None, gbps=None, check=None, skipped=None, note="")
    if impl == "torchvision.v2" and v2 is None:
        result["skipped"] = f"no torchvision.transforms.v2.MixUp ({v2_error})"
        return result
    if impl == "timm" and timm_mixup is None:
        result["skipped"] = f"no timm ({timm_mixup_error})"
        return result
    gen = torch.Generator(device=device).manual_seed(SEED)
    y = torch.randint(0, CLASSES, (B,), generator=gen, device=device)
    if workload == "labels i32>f32":
        x = None
    elif workload == "images u8>f32 norm":
        x = torch.randint(0, 256, (B, C, H, W), dtype=torch.uint8, generator=gen, device=device)
    else:
        x = torch.rand((B, C, H, W), generator=gen, device=device)

    if impl == "torch copy_":
        src = torch.empty(bytes_["min"] // 2, dtype=torch.uint8, device=device)
        dst = torch.empty_like(src)
        fn = lambda: dst.copy_(src)  # noqa: E731
    elif impl == "torchvision.v2":
        call = make_torchvision(workload, mix, device)
        fn = lambda: call(x, y)  # noqa: E731
        result["note"] = "also mixes one-hot targets (B, K)"
    elif impl == "timm":
        call = make_timm(workload, mode, mix, device)
        # timm mixes in place: the float32 input is consumed, as in a training loop.
        fn = lambda: call(x, y)  # noqa: E731
        result["note"] = "in place; also builds smoothed targets (B, K)" + ("; per-sample Python loop" if mode == "elem" else "")
    elif workload == "labels i32>f32":
        call = make_labels(mode, pairing, B, device, rng)
        got, draws = call(y)
        want = reference_labels(pairing, y, draws, B)
        result["check"] = check(got, want)
        fn = lambda: call(y)  # noqa: E731
    else:
        call = make_torch(workload, mode, mix, pairing, B, H, W, device, rng)
        before = x.clone()
        got, draws = call(x)
        want = reference(workload, mix, pairing, before, draws, B, H, W)
        result["check"] = check(got, want)
        del before, got, want
        if workload == "images f32":
            result["note"] = "in place on the float32 batch"
        fn = lambda: call(x)  # noqa: E731
    gpu, wall = timer.time(fn, args.runs, args.warmup)
    result["timing"] = "cuda-events" if gpu else "wall"
    result["ms"] = gpu or wall
    result["wallMs"] = wall
    result["gbps"] = bytes_["min"] / (result["ms"]["median"] * 1e6)
    return result


def check(got, want):
    diff = float((got.double() - want).abs().max()) if got.shape == want.shape else float("inf")
    return {"maxAbsDiff": diff, "tolerance": 1e-4, "ok": diff <= 1e-4}


def fmt_ms(s):
    if not s:
        return "-"
    f = lambda v: f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}" if v >= 1 else f"{v:.3f}"  # noqa: E731
    return f"{f(s['median'])} [{f(s['min'])}..{f(s['max'])}]"


def table(results):
    header = ["row", "impl", "timer", "ms median [min..max]", "wall ms", "GB/s", "check", "note"]
    lines = []
    for r in results:
        if r["skipped"]:
            lines.append([r["id"], r["impl"], "-", "skipped", "-", "-", "-", r["skipped"]])
            continue
        c = r["check"]
        lines.append([
            r["id"], r["impl"], "cuda" if r["timing"] == "cuda-events" else "wall", fmt_ms(r["ms"]),
            f"{r['wallMs']['median']:.3f}", f"{r['gbps']:.1f}", "-" if c is None else ("ok" if c["ok"] else f"FAIL {c['maxAbsDiff']:.2e}"), r["note"],
        ])
    widths = [max(len(h), *(len(str(l[i])) for l in lines)) for i, h in enumerate(header)] if lines else [len(h) for h in header]
    fmt = lambda cells: "| " + " | ".join(str(c).ljust(widths[i]) for i, c in enumerate(cells)) + " |"  # noqa: E731
    return "\n".join([fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"] + [fmt(l) for l in lines])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    ap.add_argument("--quick", action="store_true", help="small sizes for a CPU test: batch 16, 64x64, 20 runs after 2 warm-up")
    ap.add_argument("--batch", type=int)
    ap.add_argument("--size", type=int)
    ap.add_argument("--runs", type=int)
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--only", default=None, help="only rows whose id or impl contains this text")
    ap.add_argument("--out", default="torch.json")
    args = ap.parse_args()
    args.batch = args.batch or (16 if args.quick else 256)
    args.size = args.size or (64 if args.quick else 224)
    args.runs = args.runs or (20 if args.quick else 30)
    args.warmup = args.warmup if args.warmup is not None else (2 if args.quick else 5)
    if args.runs < 20:
        ap.error(f"--runs must be at least 20 (medians of >= 20), not {args.runs}")
    if args.batch < 2 or args.batch % 2:
        ap.error(f"--batch must be even and >= 2 (timm asserts an even batch), not {args.batch}")
    if args.device == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda: torch.cuda.is_available() is False")
    device = torch.device("cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu")
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else (platform.processor() or platform.machine())
    env = {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torchvision": getattr(torchvision, "__version__", None) or torchvision_error,
        "torchvision_v2_mixup": v2 is not None,
        "timm": getattr(timm, "__version__", None) or timm_error,
        "numpy": np.__version__,
        "cuda": torch.version.cuda,
        "device": device.type,
        "device_name": name,
        "threads": torch.get_num_threads(),
    }
    print(f"torch peer: torch {env['torch']}, torchvision {env['torchvision']} (v2 MixUp: {'yes' if env['torchvision_v2_mixup'] else 'no'}), "
          f"timm {env['timm']}, numpy {env['numpy']}, CUDA {env['cuda']}; device {device.type}: {name}")
    print(f"batch {args.batch}x3x{args.size}x{args.size}, labels K={CLASSES}; {args.runs} runs after {args.warmup} warm-up; "
          f"timer: {'CUDA events' if device.type == 'cuda' else 'wall clock (CPU)'}")
    started = time.perf_counter()
    timer = Timer(device)
    results = []
    for row in build_rows(args):
        t0 = time.perf_counter()
        try:
            r = run_row(row, args, device, timer, rng)
        except Exception as error:  # one failing row is reported, the others still run
            r = dict(row, bytes=None, ms=None, wallMs=None, timing=None, gbps=None, check=None, skipped=f"failed: {type(error).__name__}: {error}", note="")
        results.append(r)
        status = r["skipped"] or f"{r['ms']['median']:.3f} ms"
        print(f"[torch] {r['id']} ({r['impl']}): {status} ({time.perf_counter() - t0:.1f} s)", flush=True)
    doc = {
        "tool": "bench/device/torch_peer.py",
        "date": datetime.now(timezone.utc).isoformat(),
        "env": env,
        "shape": {"batch": args.batch, "channels": 3, "height": args.size, "width": args.size, "classes": CLASSES},
        "runs": args.runs,
        "warmup": args.warmup,
        "seconds": time.perf_counter() - started,
        "rows": results,
    }
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=2)
    print()
    print(table(results))
    print(f"\nwrote {args.out} ({doc['seconds']:.0f} s)")
    failed = [r for r in results if (r["check"] and not r["check"]["ok"]) or (r["skipped"] or "").startswith("failed")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
