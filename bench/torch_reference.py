#!/usr/bin/env python3
"""PyTorch twin of the mmx bench models (bench/variants.ts): same layers, batch 64, Adam 1e-3, and the very
features mmx decoded (exported by bench/mmx-bench.ts --export DIR). Prints `BENCH_RESULT {json}`.

    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 /usr/bin/python3 bench/torch_reference.py DIR --epochs 3

Needs torch + numpy on an optimised BLAS (Debian: apt-get install -y python3-torch libopenblas0-pthread). It
reports which BLAS torch calls into (threadpoolctl where installed, else the libraries mapped into the process),
so that bench/run.ts can refuse a ratio against Debian's reference (netlib) BLAS.

Threads: --threads N sets torch's intra-op threads; bench/run.ts sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS
(MKL_NUM_THREADS) to the same N, and OMP_WAIT_POLICY=PASSIVE when N > 1, so that OpenMP's threads sleep while
OpenBLAS's run (both spinning on 2 cores made the 2-thread run ~12x slower than 1 thread).
"""
import argparse, json, os, resource, sys, time

import numpy as np
import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument("dir")
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--threads", type=int, default=1)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(42)


def sgemm_gflops(n=512, reps=10):
    """GFLOP/s of torch.mm on n×n float32 matrices (fastest of `reps`): what the BLAS in use actually delivers."""
    x, y = torch.randn(n, n), torch.randn(n, n)
    torch.mm(x, y)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        torch.mm(x, y)
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def blas_info():
    """The BLAS torch calls into: {kind, name, version, threads, path, detail, sgemmGflops}.

    kind: optimised | reference. The libraries are named by threadpoolctl where it is installed, else by the
    shared objects mapped into this process; which one torch really uses is decided by measuring: a 512³ sgemm
    on Debian's reference (netlib) BLAS runs at ~2-3 GFLOP/s, on any optimised BLAS at well over 10.
    """
    gflops = sgemm_gflops()
    mapped = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "/" in path and any(k in path for k in ("blas", "mkl", "blis", "atlas")):
                mapped.add(os.path.realpath(path))
    netlib = sorted(p for p in mapped if "/blas/libblas.so" in p)
    found = None
    try:
        from threadpoolctl import threadpool_info
        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                detail = ", ".join(x for x in (lib.get("threading_layer"), lib.get("architecture")) if x)
                found = {"name": lib.get("internal_api"), "version": lib.get("version"), "threads": lib.get("num_threads"),
                         "path": lib.get("filepath"), "detail": detail}
                break
    except ImportError:
        pass
    if found is None:
        for key in ("openblas", "mkl", "blis", "atlas"):
            hit = sorted(p for p in mapped if key in p)
            if hit:
                found = {"name": key, "version": None, "threads": None, "path": hit[0], "detail": "named from /proc/self/maps"}
                break
    slow = gflops < 8
    if found is None or (slow and netlib):
        found = {"name": "reference (netlib)" if netlib else "unknown", "version": None, "threads": 1,
                 "path": netlib[0] if netlib else None, "detail": ""}
    found["kind"] = "reference" if slow else "optimised"
    found["sgemmGflops"] = round(gflops, 1)
    return found


BLAS = blas_info()

meta = json.load(open(os.path.join(args.dir, "meta.json")))
layers = json.load(open(os.path.join(args.dir, "layers.json")))
vocab = {l["name"]: l["config"]["inputDim"] for l in layers if l["class"] == "Embedding"}


def load(split):
    n = meta["splits"][split]["n"]
    xs = {}
    for inp in meta["inputs"]:
        a = np.fromfile(os.path.join(args.dir, f"{split}.{inp['name']}.f32"), dtype=np.float32).reshape([n] + inp["shape"])
        xs[inp["name"]] = a.astype(np.int64) if inp["modality"] == "text" else a
    return xs, np.fromfile(os.path.join(args.dir, f"{split}.labels.i32"), dtype=np.int32).astype(np.int64)


class Reference(nn.Module):
    """image CNN + audio Conv1D + text embedding_bag, concat [128], softmax over 10."""

    def __init__(self, text_vocab, classes):
        super().__init__()
        self.image = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 7 * 7, 128), nn.ReLU())
        self.speech = nn.Sequential(
            nn.Conv1d(40, 32, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
            nn.Flatten(), nn.Dropout(0.25), nn.Linear(64 * 25, 128), nn.ReLU())
        self.emb = nn.Embedding(text_vocab, 32)
        self.text_proj = nn.Sequential(nn.Linear(32, 32), nn.ReLU())
        self.fusion = nn.Sequential(nn.Linear(128 + 128 + 32, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, classes))

    def forward(self, image, speech, speaker):
        a = self.image(image.permute(0, 3, 1, 2))  # NHWC (mmx) -> NCHW
        b = self.speech(speech.transpose(1, 2))  # [N, T, mels] -> [N, mels, T]
        mask = (speaker != 0).unsqueeze(-1).float()  # masked mean over non-PAD tokens, as MmxMaskedPooling
        t = (self.emb(speaker) * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.fusion(torch.cat([a, b, self.text_proj(t)], 1))


class LstmText(nn.Module):
    """embedding 48 -> LSTM 64 (state at the last non-PAD token, as tfjs's masked LSTM) -> dense 64, concat [32], sigmoid."""

    def __init__(self, text_vocab):
        super().__init__()
        self.emb = nn.Embedding(text_vocab, 48)
        self.lstm = nn.LSTM(48, 64, batch_first=True)
        self.proj = nn.Sequential(nn.Linear(64, 64), nn.ReLU())
        self.fusion = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 1))

    def forward(self, text):
        out, _ = self.lstm(self.emb(text))  # all 64 steps, like tfjs (post padding: real steps never see PAD)
        lengths = (text != 0).sum(1)
        last = out[torch.arange(text.shape[0]), (lengths - 1).clamp(min=0)] * (lengths > 0).unsqueeze(1).float()
        return self.fusion(self.proj(last)).squeeze(1)


train_x, train_y = load("train")
val_x, val_y = load("validation")
test_x, test_y = load("test")
names = [i["name"] for i in meta["inputs"]]
binary = meta["task"] == "binary"
if meta["variant"] == "reference":
    model = Reference(vocab["mmx_speaker_embedding1"], len(meta["classes"]))
elif meta["variant"] == "lstm":
    model = LstmText(vocab["mmx_text_embedding1"])
else:  # token-level variants (bench/sequence-variants.ts)
    from torch_sequence import build_sequence_model
    model = build_sequence_model(meta["variant"], len(meta["classes"]))
loss_fn = nn.BCEWithLogitsLoss() if binary else nn.CrossEntropyLoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)  # tfjs Adam's epsilon


def batch(xs, idx):
    return [torch.from_numpy(xs[k][idx]) for k in names]


def predict(xs, n, bs=256):
    model.eval()
    out = []
    with torch.no_grad():
        for s in range(0, n, bs):
            idx = np.arange(s, min(n, s + bs))
            z = model(*batch(xs, idx))
            out.append((z > 0).long() if binary else z.argmax(1))
    model.train()
    return torch.cat(out).numpy()


n = len(train_y)
bs = 64
rng = np.random.default_rng(42)
epochs = []
for epoch in range(1, args.epochs + 1):
    order = rng.permutation(n)
    t0 = time.perf_counter()
    c0 = time.process_time()
    data_s = step_s = 0.0
    for s in range(0, n, bs):
        a = time.perf_counter()
        idx = order[s:s + bs]
        xs = batch(train_x, idx)
        y = torch.from_numpy(train_y[idx])
        y = y.float() if binary else y
        b = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(*xs), y)
        loss.backward()
        opt.step()
        loss.item()
        c = time.perf_counter()
        data_s += b - a
        step_s += c - b
    t1 = time.perf_counter()
    c1 = time.process_time()
    val_acc = float((predict(val_x, len(val_y)) == val_y).mean())
    t2 = time.perf_counter()
    epochs.append({"epoch": epoch, "seconds": t2 - t0, "trainSeconds": t1 - t0, "samples": n, "data": data_s, "step": step_s,
                   "overhead": (t1 - t0) - data_s - step_s, "validation": t2 - t1, "samplesPerSec": n / (t1 - t0), "valAccuracy": val_acc, "trainCpuSeconds": c1 - c0})

nt = len(test_y)
predict(test_x, min(nt, 256))  # warm-up
# passes until at least 3 s and 5 passes have gone by, as bench/mmx-bench.ts does
reps = 0
infer = 0.0
infer_cpu = 0.0
while reps < 5 or infer < 3:
    t = time.perf_counter()
    c = time.process_time()
    p_ = predict(test_x, nt)
    infer += time.perf_counter() - t
    infer_cpu += time.process_time() - c
    if reps == 0:
        pred = p_
    reps += 1
print("BENCH_RESULT " + json.dumps({
    "engine": "torch", "variant": meta["variant"],
    "backend": f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); BLAS {BLAS['name']} {BLAS['version'] or ''} "
               f"({BLAS['detail']}, {BLAS['threads']} thread(s), sgemm 512³ {BLAS['sgemmGflops']} GFLOP/s); convolutions "
               f"{'oneDNN (mkldnn)' if torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled else 'im2col + BLAS'}",
    "blas": BLAS, "torchThreads": torch.get_num_threads(),
    "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY")},
    "parameters": sum(p.numel() for p in model.parameters()),
    "data": {"train": n, "validation": len(val_y), "test": nt}, "batchSize": bs, "epochs": epochs,
    "inference": {"samples": nt * reps, "seconds": infer, "cpuSeconds": infer_cpu, "samplesPerSec": nt * reps / infer, "batchSize": 256},
    "testAccuracy": float((pred == test_y).mean()),
    "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
sys.stdout.flush()
