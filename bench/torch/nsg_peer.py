#!/usr/bin/python3
"""The PyTorch peer of NeuralSparseGrids' speed comparisons (`compare-torch` in bench/NeuralSparseGrids.Benchmarks).

The same models written the way a PyTorch user would write them, in plain torch (Debian's python3-torch; set up by
bench/torch/setup.sh):
  * MNIST CNN-SG: the residual CNN of Models/CnnEncoder (width 32: stem conv3x3-BN-ReLU, three basic blocks with 32,
    64 and 128 channels, the last two with stride 2 and a 1x1 projection, global average pooling, Linear to d = 8),
    sigmoid + reserved margin 0.1, a sparse grid layer (linear hat basis without boundary, d = 8, level 4, 10 outputs),
    cross entropy, Adam.
  * swiss roll MLP-SG: MLP 3-25-25-2 (ReLU), sigmoid, sparse grid layer d = 2, level 6 (321 points), MSE, Adam.
The sparse grid layer is written per subspace: every sample touches exactly one hat function per subspace, found by
a floor and gathered from that subspace's coefficient block (all subspaces at once, one gather); `--layer dense` is
the plain NSG of thesis Eq. 3.4 (the full batch x points basis matrix times the coefficients).

Data comes from the file the C# side exports (the same training and validation rows): see read_split.
Prints one JSON line: {"task", "threads", "epochSeconds": [...], "epochCpuSeconds": [...], "parameters", ...}.
"""
import argparse
import json
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------------------------------------------
# Sparse grid layer (linear hat basis without boundary points, regular grid |l|_1 <= n + d - 1)

def subspace_levels(d, n):
    """All level vectors l >= 1 with |l|_1 <= n + d - 1."""
    out = []

    def rec(prefix, budget):
        if len(prefix) == d:
            out.append(list(prefix))
            return
        for l in range(1, budget - (d - len(prefix) - 1) + 1):
            rec(prefix + [l], budget - l)

    rec([], n + d - 1)
    return out


class SparseGridPerSubspace(nn.Module):
    """y(x) = sum over subspaces l of alpha[l, i(x)] * prod_k phi(2^l_k x_k - i_k), one gather per (sample, subspace)."""

    def __init__(self, d, n, outputs, std=0.01):
        super().__init__()
        levels = torch.tensor(subspace_levels(d, n), dtype=torch.int64)                  # (S, d)
        cells = 2 ** (levels - 1)                                                         # points per dimension
        strides = torch.ones_like(cells)
        for k in range(d - 2, -1, -1):
            strides[:, k] = strides[:, k + 1] * cells[:, k + 1]
        sizes = cells.prod(1)
        self.register_buffer("scale", (2.0 ** levels).float())
        self.register_buffer("last_cell", (cells - 1).float())
        self.register_buffer("strides", strides)
        self.register_buffer("offsets", torch.cumsum(sizes, 0) - sizes)
        self.points = int(sizes.sum())
        self.coefficients = nn.Parameter(torch.randn(self.points, outputs) * std)

    def forward(self, x):                                                                 # (B, d) in [0, 1]
        pos = x[:, None, :] * self.scale                                                  # (B, S, d)
        cell = torch.minimum(torch.floor(pos * 0.5), self.last_cell)
        phi = torch.relu(1 - (pos - (2 * cell + 1)).abs()).prod(-1)                       # (B, S)
        index = self.offsets + (cell.long() * self.strides).sum(-1)                       # (B, S)
        return (phi[..., None] * self.coefficients[index]).sum(1)                         # (B, outputs)


class SparseGridDense(nn.Module):
    """The plain NSG: the (B, points) basis matrix times the coefficients (thesis Eq. 3.4)."""

    def __init__(self, d, n, outputs, std=0.01):
        super().__init__()
        scales, centres = [], []
        for l in subspace_levels(d, n):
            grids = torch.meshgrid(*[torch.arange(1, 2 ** lk, 2) for lk in l], indexing="ij")
            idx = torch.stack([g.reshape(-1) for g in grids], 1)
            centres.append(idx.float())
            scales.append((2.0 ** torch.tensor(l, dtype=torch.float32)).expand(idx.shape[0], d))
        self.register_buffer("scale", torch.cat(scales))                                  # (G, d)
        self.register_buffer("centre", torch.cat(centres))
        self.points = self.scale.shape[0]
        self.coefficients = nn.Parameter(torch.randn(self.points, outputs) * std)

    def forward(self, x):
        basis = torch.relu(1 - (x[:, None, :] * self.scale - self.centre).abs()).prod(-1)  # (B, G)
        return basis @ self.coefficients


# ----------------------------------------------------------------------------------------------------------------
# Encoders

def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class ResidualBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1, self.bn1 = conv3x3(cin, cout, stride), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = conv3x3(cout, cout), nn.BatchNorm2d(cout)
        self.projection = None
        if stride != 1 or cin != cout:
            self.projection = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (x if self.projection is None else self.projection(x)))


class CnnEncoder(nn.Module):
    def __init__(self, latent, width=32, channels_last=False):
        super().__init__()
        self.channels_last = channels_last
        self.stem = nn.Sequential(conv3x3(1, width), nn.BatchNorm2d(width), nn.ReLU())
        self.stages = nn.Sequential(ResidualBlock(width, width, 1), ResidualBlock(width, 2 * width, 2),
                                    ResidualBlock(2 * width, 4 * width, 2))
        self.head = nn.Linear(4 * width, latent)

    def forward(self, x):
        side = int(round(x.shape[1] ** 0.5))
        x = x.reshape(-1, 1, side, side)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return self.head(self.stages(self.stem(x)).mean((2, 3)))

    def to_channels_last(self):
        return self.to(memory_format=torch.channels_last) if self.channels_last else self


def mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


class Nsg(nn.Module):
    def __init__(self, encoder, layer, margin):
        super().__init__()
        self.encoder, self.layer, self.margin = encoder, layer, margin

    def forward(self, x):
        h = torch.sigmoid(self.encoder(x))
        if self.margin > 0:
            h = h * (1 - 2 * self.margin) + self.margin
        return self.layer(h)


# ----------------------------------------------------------------------------------------------------------------
# Data: the exported splits

def read_split(f):
    """One split: int32 rows, int32 features, int32 target columns (0 = int64 class labels), float32 features
    (rows x features), then float32 targets (rows x columns) or int64 labels (rows)."""
    rows, features, columns = struct.unpack("<3i", f.read(12))
    x = np.frombuffer(f.read(4 * rows * features), dtype="<f4").reshape(rows, features)
    if columns == 0:
        y = torch.from_numpy(np.frombuffer(f.read(8 * rows), dtype="<i8").copy())
    else:
        y = torch.from_numpy(np.frombuffer(f.read(4 * rows * columns), dtype="<f4").reshape(rows, columns).copy())
    return torch.from_numpy(x.copy()), y


def read_data(path):
    with open(path, "rb") as f:
        if f.read(8) != b"NSGPEER1":
            sys.exit(f"{path}: not a file written by compare-torch")
        return read_split(f), read_split(f)


# ----------------------------------------------------------------------------------------------------------------
# Tasks

def train_epochs(model, loss_fn, train, val, epochs, batch, lr, seed, warm_up_batches=0):
    """Shuffled mini-batches, Adam, then a validation pass per epoch (as NsgTrainer's epoch). Wall and process CPU
    seconds per epoch.
    With warm_up_batches, that many untimed training steps and one untimed validation pass come first (allocator,
    oneDNN primitives), as compare-torch's warm-up on its own side does."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    (x, y), (vx, vy) = train, val
    generator = torch.Generator().manual_seed(seed)

    def step(idx):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        return loss.item()

    def validate():
        model.eval()
        with torch.no_grad():
            return loss_fn(model(vx), vy).item()

    if warm_up_batches > 0:
        model.train()
        for idx in torch.randperm(x.shape[0], generator=generator).split(batch)[:warm_up_batches]:
            step(idx)
        validate()
    seconds, cpu, losses = [], [], []
    for _ in range(epochs):
        start, start_cpu = time.perf_counter(), time.process_time()
        model.train()
        total = 0.0
        for idx in torch.randperm(x.shape[0], generator=generator).split(batch):
            total += step(idx) * idx.shape[0]
        val_loss = validate()
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        losses.append((total / x.shape[0], val_loss))
    return seconds, cpu, losses


def mnist(args):
    train, val = read_data(args.data)
    torch.manual_seed(args.seed)
    layer = (SparseGridDense if args.layer == "dense" else SparseGridPerSubspace)(8, 4, 10)
    model = Nsg(CnnEncoder(8, args.width, args.channels_last).to_channels_last(), layer, margin=0.1)
    seconds, cpu, losses = train_epochs(model, F.cross_entropy, train, val, args.epochs, args.batch, args.lr, args.seed,
                                   args.warm_up_batches)
    return {"epochSeconds": seconds, "epochCpuSeconds": cpu, "losses": losses, "parameters": sum(p.numel() for p in model.parameters()),
            "points": layer.points}


def swissroll(args):
    train, val = read_data(args.data)
    torch.manual_seed(args.seed)
    layer = (SparseGridDense if args.layer == "dense" else SparseGridPerSubspace)(2, 6, 1)
    model = Nsg(mlp([3, 25, 25, 2]), layer, margin=0)
    seconds, cpu, losses = train_epochs(model, F.mse_loss, train, val, args.epochs, args.batch, args.lr, args.seed,
                                   args.warm_up_batches)
    return {"epochSeconds": seconds, "epochCpuSeconds": cpu, "losses": losses, "parameters": sum(p.numel() for p in model.parameters()),
            "points": layer.points}


def cnn_layer_shapes(width, side):
    """(name, module factory, input shape without batch) of every layer of CnnEncoder, in order."""
    w = width
    out = [("stem conv 1->%d" % w, lambda: conv3x3(1, w), (1, side, side)),
           ("stem bn %d" % w, lambda: nn.BatchNorm2d(w), (w, side, side))]
    s = side
    for name, cin, cout, stride in (("stage1", w, w, 1), ("stage2", w, 2 * w, 2), ("stage3", 2 * w, 4 * w, 2)):
        so = (s + 2 - 3) // stride + 1
        out.append((f"{name} conv1 {cin}->{cout} s{stride}", lambda cin=cin, cout=cout, stride=stride: conv3x3(cin, cout, stride), (cin, s, s)))
        out.append((f"{name} conv2 {cout}->{cout}", lambda cout=cout: conv3x3(cout, cout), (cout, so, so)))
        out.append((f"{name} bn {cout}", lambda cout=cout: nn.BatchNorm2d(cout), (cout, so, so)))
        if stride != 1 or cin != cout:
            out.append((f"{name} proj 1x1 {cin}->{cout} s{stride}",
                        lambda cin=cin, cout=cout, stride=stride: nn.Conv2d(cin, cout, 1, stride=stride, bias=False), (cin, s, s)))
        s = so
    return out


def cnn_layers(args):
    """Median forward and backward milliseconds of each CNN layer alone at the training batch size."""
    torch.manual_seed(args.seed)
    result = []
    for name, make, shape in cnn_layer_shapes(args.width, 28):
        module = make().train()
        x = torch.rand((args.batch,) + shape, requires_grad=True)
        fwd, bwd = [], []
        for r in range(args.repeats + 2):
            module.zero_grad(set_to_none=True)
            x.grad = None
            t0 = time.perf_counter()
            y = module(x)
            t1 = time.perf_counter()
            y.backward(torch.ones_like(y))
            t2 = time.perf_counter()
            if r >= 2:
                fwd.append(t1 - t0)
                bwd.append(t2 - t1)
        result.append({"layer": name, "forwardMs": 1e3 * float(np.median(fwd)), "backwardMs": 1e3 * float(np.median(bwd))})
    return {"layers": result}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("task", choices=["mnist", "swissroll", "cnn-layers"])
    p.add_argument("--data", help="file exported by compare-torch (mnist, swissroll)")
    p.add_argument("--layer", choices=["subspace", "dense"], default="subspace")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--channels-last", action="store_true", help="MNIST CNN in the channels-last memory format")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--warm-up-batches", type=int, default=0, help="untimed training steps and validation pass first")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    result = {"mnist": mnist, "swissroll": swissroll, "cnn-layers": cnn_layers}[args.task](args)
    result.update(task=args.task, layer=args.layer, threads=torch.get_num_threads(), torch=torch.__version__)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
