"""PyTorch reference for `saelab bench gemm --torch` and `saelab bench train --torch`.

saelab runs this with `python -c <this file> MODE DEVICE THREADS [ARGS]` and talks to it over
stdin/stdout, one request line in, one reply line out, so the tensors stay where they are
between requests (on the GPU: no re-upload, no CUDA start-up per shape).

    MODE    gemm | train | shards
    DEVICE  auto (cuda when torch.cuda.is_available(), else cpu) | cpu | cuda
    THREADS torch's intra-op threads on the CPU (saelab's --threads)
    ARGS    train: d m k batch seed lr clip
            shards: FOLDER m k batch steps seed lr clip

First line: "ready VERSION DEVICE DEVICE-NAME" or "unavailable REASON" (then it exits).
gemm:  "M K N WT WARMUP WARMUP_SECONDS REPS" -> "SECONDS", the best of REPS products
       C[M,N] = A[M,K]·B[K,N] (WT 1: B is the transpose of a [N,K] matrix, x·Wᵀ).
train: "step" -> "SECONDS LOSS", one TopK SAE training step.
shards: "run" -> "SECONDS LOSS", all the steps of a TopK SAE trained on a saelab harvest folder
       (f32 shards read in blocks of 65,536 rows, each block shuffled: `saelab bench memory`).
"quit" or end of input ends it. Times are taken around torch.cuda.synchronize() on CUDA.
"""
import json
import os
import struct
import sys
import time


def main():
    mode, want, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        import torch
    except Exception as e:  # ImportError, or an install that fails while importing
        print("unavailable cannot import torch (%s: %s)" % (type(e).__name__, e), flush=True)
        return
    if want == "cuda" and not torch.cuda.is_available():
        print("unavailable torch %s sees no CUDA device (torch.cuda.is_available() is False)" % torch.__version__,
              flush=True)
        return
    dev = torch.device("cuda" if want == "cuda" or (want == "auto" and torch.cuda.is_available()) else "cpu")
    torch.set_num_threads(threads)
    # A real float32 SGEMM: TF32 tensor cores would round the inputs to 10-bit mantissas.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    if hasattr(torch, "set_float32_matmul_precision"):
        torch.set_float32_matmul_precision("highest")
    if dev.type == "cuda":
        name = torch.cuda.get_device_name(dev)
        sync = torch.cuda.synchronize
    else:
        name = "%d thread(s), %s" % (torch.get_num_threads(), cpu_blas(torch))
        sync = lambda: None
    torch.manual_seed(0)
    if mode == "gemm":
        serve = gemm_server(torch, dev, sync)
    elif mode == "shards":
        serve = shards_server(torch, dev, sync, *sys.argv[4:12])
    else:
        serve = train_server(torch, dev, sync, *sys.argv[4:11])
    print("ready", torch.__version__, dev.type, name, flush=True)
    for line in sys.stdin:
        request = line.split()
        if not request or request[0] == "quit":
            break
        print(*serve(request), flush=True)


def cpu_blas(torch):
    """The BLAS torch multiplies with on the CPU ("BLAS mkl"): MKL runs about half speed on AMD CPUs."""
    try:
        for part in torch.__config__.show().replace(",", " ").split():
            if part.startswith("BLAS_INFO="):
                return "BLAS " + part[len("BLAS_INFO="):]
    except Exception:
        pass
    return "BLAS unknown"


def gemm_server(torch, dev, sync):
    def product(request):
        m, k, n, wt, warmup = map(int, request[:5])
        warmup_seconds, reps = float(request[5]), int(request[6])
        a = torch.rand(m, k, device=dev)
        b = torch.rand(n, k, device=dev).t() if wt else torch.rand(k, n, device=dev)
        c = torch.empty(m, n, device=dev)
        sync()
        start, done = time.perf_counter(), 0
        while done < warmup or time.perf_counter() - start < warmup_seconds:
            torch.matmul(a, b, out=c)
            sync()
            done += 1
        best = float("inf")
        for _ in range(reps):
            t = time.perf_counter()
            torch.matmul(a, b, out=c)
            sync()
            best = min(best, time.perf_counter() - t)
        return [best]
    return product


def train_server(torch, dev, sync, d, m, k, batch, seed, lr, clip):
    """A TopK SAE step as dictionary_learning's TopKTrainer.update takes it (no dead latents, so no AuxK)."""
    d, m, k, batch, seed, lr, clip = int(d), int(m), int(k), int(batch), int(seed), float(lr), float(clip)
    torch.manual_seed(seed)
    x = torch.randn(batch, d, device=dev)
    step = topk_step(torch, dev, d, m, k, lr, clip)

    def timed(request):
        sync()
        t = time.perf_counter()
        loss = step(x)
        sync()
        seconds = time.perf_counter() - t
        return [seconds, loss.item()]
    return timed


def shards_server(torch, dev, sync, folder, m, k, batch, steps, seed, lr, clip):
    """The same step trained for `steps` batches drawn from a harvest folder's f32 shards."""
    m, k, batch, steps, seed, lr, clip = int(m), int(k), int(batch), int(steps), int(seed), float(lr), float(clip)
    torch.manual_seed(seed)
    shards = [harvest_shard(os.path.join(folder, f)) for f in sorted(os.listdir(folder)) if f.endswith(".safetensors")]
    if not shards:
        raise SystemExit("no .safetensors shards in " + folder)
    d = shards[0][2]
    step = topk_step(torch, dev, d, m, k, lr, clip)

    def batches():
        block = 65536
        while True:
            for path, offset, width, rows in shards:
                with open(path, "rb") as f:
                    for r0 in range(0, rows, block):
                        n = min(block, rows - r0)
                        f.seek(offset + 4 * width * r0)
                        buf = torch.frombuffer(bytearray(f.read(4 * width * n)), dtype=torch.float32).view(n, width)
                        perm = torch.randperm(n)
                        for b0 in range(0, n - batch + 1, batch):
                            yield buf[perm[b0:b0 + batch]].to(dev)

    def run(request):
        data = batches()
        sync()
        t = time.perf_counter()
        for _ in range(steps):
            loss = step(next(data))
        sync()
        return [time.perf_counter() - t, loss.item()]
    return run


def harvest_shard(path):
    """(path, data offset, width, rows) of a shard's f32 "activations" tensor, from its safetensors header."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    t = header["activations"]
    if t["dtype"] != "F32" or len(t["shape"]) != 2:
        raise SystemExit("%s: activations are %s %s, expected F32 [rows, d]" % (path, t["dtype"], t["shape"]))
    return path, 8 + n + t["data_offsets"][0], t["shape"][1], t["shape"][0]


def topk_step(torch, dev, d, m, k, lr, clip):
    """One TopK SAE step on a batch x, as dictionary_learning's TopKTrainer.update takes it; returns the loss."""
    W_dec = torch.randn(m, d, device=dev)
    W_dec /= W_dec.norm(dim=1, keepdim=True)
    W_enc = W_dec.t().contiguous()
    b_enc = torch.zeros(m, device=dev)
    b_dec = torch.zeros(d, device=dev)
    params = [p.requires_grad_() for p in (W_enc, b_enc, W_dec, b_dec)]
    adam = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999))

    def step(x):
        acts = torch.relu((x - b_dec) @ W_enc + b_enc)
        top = acts.topk(k, dim=-1, sorted=False)
        codes = torch.zeros_like(acts).scatter_(-1, top.indices, top.values)  # dense, as dictionary_learning decodes
        x_hat = codes @ W_dec + b_dec
        loss = (x_hat - x).pow(2).sum(dim=-1).mean()
        loss.backward()
        with torch.no_grad():
            # remove_gradient_parallel_to_decoder_directions, then clip, Adam, unit decoder rows
            unit = W_dec / W_dec.norm(dim=1, keepdim=True)
            W_dec.grad -= (W_dec.grad * unit).sum(dim=1, keepdim=True) * unit
        torch.nn.utils.clip_grad_norm_(params, clip)
        adam.step()
        adam.zero_grad(set_to_none=True)
        with torch.no_grad():
            W_dec.div_(W_dec.norm(dim=1, keepdim=True))
        return loss.detach()
    return step


main()
