#!/usr/bin/python3
"""Trains the signal model on the features written by export-features.ts and exports it to ONNX.

    npx -y pnpm@10 exec tsx scripts/model/export-features.ts          # -> /tmp/enigma-features
    /usr/bin/python3 scripts/model/train.py [--features /tmp/enigma-features] [--minutes 20]

Writes (all small, committed):
  long-running/models/signal-model.onnx                    the model (opset 17)
  long-running/models/signal-model.metrics.json            out-of-sample metrics vs naive baselines
  long-running/src/ml/fixtures/feature-parity.json         200 rows the trainer consumed + matrix hashes
  long-running/src/ml/fixtures/model-outputs.json          torch outputs for a few inputs (ONNX export check)

Split (walk-forward, by the time of the decision bar, no look-ahead): train is every bar before
VAL_START minus a purge gap (all of KuCoin spot 2023 and early Binance 2025), validation is
[VAL_START, TEST_START - gap), test is everything from TEST_START (the latest period).
The gap (SEQUENCE + HORIZON bars, rounded up to an hour) keeps label windows from straddling splits.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
VAL_START = 1747872000000  # 2025-05-22T00:00:00Z
TEST_START = 1748390400000  # 2025-05-28T00:00:00Z
GAP_MS = 60 * 60 * 1000
PARITY_SERIES = 'binance-futures__BTCUSDT-1m'
PARITY_START = 1000
PARITY_ROWS = 200
SEED = 7


class SignalModel(nn.Module):
    """Normalise -> BiLSTM(2 layers, hidden 128) -> 8-head self-attention -> direction + quality heads."""

    def __init__(self, n_features, mean, std, hidden=128, heads=8):
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32))
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32))
        self.lstm = nn.LSTM(n_features, hidden, num_layers=2, batch_first=True, bidirectional=True, dropout=0.1)
        d = 2 * hidden
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.norm = nn.LayerNorm(d)
        self.direction = nn.Sequential(nn.Linear(2 * d, 64), nn.ReLU(), nn.Linear(64, 3))
        self.quality = nn.Sequential(nn.Linear(2 * d, 64), nn.ReLU(), nn.Linear(64, 1))

    def attention(self, x):
        # Written out (not nn.MultiheadAttention) so the ONNX export is plain MatMul/Softmax.
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.reshape(b, t, h, d // h).transpose(1, 2)
        k = k.reshape(b, t, h, d // h).transpose(1, 2)
        v = v.reshape(b, t, h, d // h).transpose(1, 2)
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d // h), dim=-1)
        y = (w @ v).transpose(1, 2).reshape(b, t, d)
        return self.norm(x + self.proj(y))

    def forward(self, features):
        x = (features - self.mean) / self.std
        x, _ = self.lstm(x)
        x = self.attention(x)
        pooled = torch.cat([x[:, -1, :], x.mean(dim=1)], dim=-1)
        return self.direction(pooled), torch.sigmoid(self.quality(pooled))


class Exported(nn.Module):
    """What ONNX sees: softmax probabilities instead of logits."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, features):
        logits, quality = self.model(features)
        return torch.softmax(logits, dim=-1), quality


def load(features_dir):
    manifest = json.load(open(os.path.join(features_dir, 'manifest.json')))
    width = len(manifest['columns'])
    series = {}
    for s in manifest['series']:
        raw = np.fromfile(os.path.join(features_dir, s['name'] + '.f64'), dtype='<f8').reshape(-1, width)
        series[s['name']] = raw
    return manifest, series


def samples(manifest, series):
    """(series index, end row) of every decision bar with a full finite window and a known label."""
    seq = manifest['sequenceLength']
    n_feat = len(manifest['featureNames'])
    out = []
    for si, s in enumerate(manifest['series']):
        a = series[s['name']]
        finite = np.isfinite(a[:, 1 : 1 + n_feat]).all(axis=1)
        ok = np.isfinite(a[:, 1 + n_feat]) & np.isfinite(a[:, 2 + n_feat])
        # a window is usable when all its rows are finite: rolling min over `seq` rows
        cum = np.concatenate([[0], np.cumsum(~finite)])
        ends = np.arange(seq - 1, len(a))
        full = (cum[ends + 1] - cum[ends + 1 - seq]) == 0
        ends = ends[full & ok[ends]]
        out.append(np.stack([np.full(len(ends), si), ends], axis=1))
    return np.concatenate(out)


def windows(manifest, series, idx, n_feat):
    seq = manifest['sequenceLength']
    names = [s['name'] for s in manifest['series']]
    x = np.empty((len(idx), seq, n_feat), dtype=np.float32)
    for i, (si, end) in enumerate(idx):
        x[i] = series[names[si]][end - seq + 1 : end + 1, 1 : 1 + n_feat]
    return x


def targets(manifest, series, idx, n_feat):
    names = [s['name'] for s in manifest['series']]
    rows = np.stack([series[names[si]][end] for si, end in idx])
    return rows[:, 0], rows[:, 1 + n_feat].astype(np.int64), rows[:, 2 + n_feat], rows[:, 3 + n_feat], rows[:, 1 : 1 + n_feat]


def metrics(pred, prob, y, fwd, cost, quality=None):
    """Classification and trading metrics of a direction prediction (0 long, 1 short, 2 neutral)."""
    out = {'n': int(len(y)), 'accuracy': float((pred == y).mean())}
    f1 = []
    for k in range(3):
        tp = float(((pred == k) & (y == k)).sum())
        p = tp / max(1, (pred == k).sum())
        r = tp / max(1, (y == k).sum())
        f1.append(0.0 if p + r == 0 else 2 * p * r / (p + r))
    out['macro_f1'] = float(np.mean(f1))
    if prob is not None:
        out['log_loss'] = float(-np.log(np.clip(prob[np.arange(len(y)), y], 1e-7, 1)).mean())
    trade = pred != 2
    sign = np.where(pred == 0, 1.0, -1.0)
    net = sign * fwd - cost
    out['trades'] = int(trade.sum())
    out['mean_net_return_per_trade'] = float(net[trade].mean()) if trade.any() else 0.0
    out['hit_rate'] = float((net[trade] > 0).mean()) if trade.any() else 0.0
    out['sum_net_return'] = float(net[trade].sum()) if trade.any() else 0.0
    return out


def gate_metrics(prob, quality, fwd, cost):
    top = prob.max(axis=1)
    cls = prob.argmax(axis=1)
    act = (top >= 0.7) & (quality >= 0.6) & (cls != 2)
    sign = np.where(cls == 0, 1.0, -1.0)
    net = sign * fwd - cost
    return {
        'signals_passing_gate': int(act.sum()),
        'share_passing_gate': float(act.mean()),
        'mean_net_return_per_gated_trade': float(net[act].mean()) if act.any() else None,
        'max_top_probability': float(top.max()),
        'max_quality': float(quality.max()),
    }


def predict(model, x, batch=2048):
    model.eval()
    probs, quals = [], []
    with torch.no_grad():
        for i in range(0, len(x), batch):
            logits, q = model(torch.from_numpy(x[i : i + batch]))
            probs.append(torch.softmax(logits, dim=-1).numpy())
            quals.append(q[:, 0].numpy())
    return np.concatenate(probs), np.concatenate(quals)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--features', default='/tmp/enigma-features')
    ap.add_argument('--minutes', type=float, default=20.0, help='wall-clock budget for the training loop')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--train-samples', type=int, default=120000, help='training windows drawn (strided) from the train split')
    ap.add_argument('--eval-every', type=int, default=20000, help='training windows between validation checks')
    ap.add_argument('--patience', type=int, default=6, help='validation checks without improvement before stopping')
    ap.add_argument('--batch', type=int, default=256)
    ap.add_argument('--val-samples', type=int, default=2000)
    ap.add_argument('--test-samples', type=int, default=8000)
    ap.add_argument('--out', default=os.path.join(ROOT, 'long-running', 'models'))
    ap.add_argument('--fixtures', default=os.path.join(ROOT, 'long-running', 'src', 'ml', 'fixtures'))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    started = time.time()

    manifest, series = load(args.features)
    n_feat = len(manifest['featureNames'])
    label = manifest['label']
    cost = 2 * label['takerFee']
    idx = samples(manifest, series)
    t_all = np.array([series[manifest['series'][si]['name']][end, 0] for si, end in idx])
    split = {
        'train': idx[t_all < VAL_START - GAP_MS],
        'val': idx[(t_all >= VAL_START) & (t_all < TEST_START - GAP_MS)],
        'test': idx[t_all >= TEST_START],
    }
    print({k: len(v) for k, v in split.items()}, file=sys.stderr)

    # Evenly strided subsample of the train split (keeps every period represented).
    train_idx = split['train']
    if len(train_idx) > args.train_samples:
        train_idx = train_idx[np.linspace(0, len(train_idx) - 1, args.train_samples).astype(np.int64)]
    x_tr = windows(manifest, series, train_idx, n_feat)
    _, y_tr, q_tr, _, _ = targets(manifest, series, train_idx, n_feat)
    flat = x_tr.reshape(-1, n_feat)
    mean = flat.mean(axis=0)
    std = flat.std(axis=0) + 1e-8
    val_idx = split['val'][:: max(1, len(split['val']) // args.val_samples)]
    x_va = windows(manifest, series, val_idx, n_feat)
    _, y_va, _, _, _ = targets(manifest, series, val_idx, n_feat)

    model = SignalModel(n_feat, mean, std)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    # Halve the learning rate when validation stalls; stop after `patience` checks without a new best.
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    ce = nn.CrossEntropyLoss()
    best = (float('inf'), None, 0, 0)
    history = []
    epoch = 0
    seen = 0
    since_eval = 0
    stale = 0
    stopped = 'budget'
    train_started = time.time()
    deadline = started + args.minutes * 60

    def validate():
        nonlocal best, stale
        prob_va, _ = predict(model, x_va)
        val_loss = float(-np.log(np.clip(prob_va[np.arange(len(y_va)), y_va], 1e-7, 1)).mean())
        history.append({'epoch': epoch, 'windows_seen': seen, 'val_log_loss': val_loss, 'seconds': round(time.time() - started, 1)})
        print(f'epoch {epoch} ({seen} windows seen) val log-loss {val_loss:.4f} lr {opt.param_groups[0]["lr"]:.2e} ({time.time() - started:.0f}s)', file=sys.stderr, flush=True)
        sched.step(val_loss)
        if val_loss < best[0]:
            best = (val_loss, {k: v.clone() for k, v in model.state_dict().items()}, epoch, seen)
            stale = 0
        else:
            stale += 1
        model.train()

    while time.time() < deadline and stopped == 'budget':
        epoch += 1
        model.train()
        order = rng.permutation(len(x_tr))
        for b in range(0, len(order), args.batch):
            if time.time() >= deadline:
                break
            j = order[b : b + args.batch]
            logits, q = model(torch.from_numpy(x_tr[j]))
            loss = ce(logits, torch.from_numpy(y_tr[j])) + nn.functional.mse_loss(
                q[:, 0], torch.from_numpy(q_tr[j].astype(np.float32))
            )
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            seen += len(j)
            since_eval += len(j)
            if since_eval >= args.eval_every:
                since_eval = 0
                validate()
                if stale >= args.patience:
                    stopped = 'early stopping'
                    break
    if since_eval > 0:
        validate()
    train_seconds = time.time() - train_started
    model.load_state_dict(best[1])

    # Out-of-sample evaluation on the test split (the latest period), against naive baselines.
    # Strided subsample of the test split: a forward pass costs ~50 MFLOP per window on a shared 2-core box.
    test_idx = split['test'][:: max(1, len(split['test']) // args.test_samples)]
    x_te = windows(manifest, series, test_idx, n_feat)
    _, y_te, q_te, fwd_te, last_te = targets(manifest, series, test_idx, n_feat)
    prob_te, qual_te = predict(model, x_te)
    pred_te = prob_te.argmax(axis=1)
    majority = int(np.bincount(y_tr, minlength=3).argmax())
    prior = np.bincount(y_tr, minlength=3) / len(y_tr)
    bar = cost + label['threshold']
    ret15 = last_te[:, manifest['featureNames'].index('ret_15')]
    momentum = np.where(ret15 > bar, 0, np.where(ret15 < -bar, 1, 2))
    momentum_always = np.where(ret15 > 0, 0, 1)
    report = {
        'model': {
            'epochs': epoch,
            'epochs_completed': seen / len(x_tr),
            'windows_seen': seen,
            'best_epoch': best[2],
            'best_windows_seen': best[3],
            'best_val_log_loss': best[0],
            'stopped_by': stopped,
            'training_loop_seconds': round(train_seconds, 1),
            'validation_history': history,
        },
        'split': {
            'train_windows_available': int(len(split['train'])),
            'train_windows_used': int(len(train_idx)),
            'val_windows': int(len(split['val'])),
            'test_windows': int(len(split['test'])),
            'test_windows_evaluated': int(len(test_idx)),
            'val_windows_evaluated': int(len(val_idx)),
            'val_start': VAL_START,
            'test_start': TEST_START,
            'purge_gap_ms': GAP_MS,
        },
        'test_label_distribution': {k: float((y_te == i).mean()) for i, k in enumerate(['long', 'short', 'neutral'])},
        'test': {
            'model': metrics(pred_te, prob_te, y_te, fwd_te, cost),
            'model_gate': gate_metrics(prob_te, qual_te, fwd_te, cost),
            'baseline_majority_class': metrics(np.full(len(y_te), majority), np.tile(prior, (len(y_te), 1)), y_te, fwd_te, cost),
            'baseline_always_neutral': metrics(np.full(len(y_te), 2), None, y_te, fwd_te, cost),
            'baseline_momentum_threshold': metrics(momentum, None, y_te, fwd_te, cost),
            'baseline_momentum_sign_always_in': metrics(momentum_always, None, y_te, fwd_te, cost),
            'quality_mae': float(np.abs(qual_te - q_te).mean()),
            'quality_mae_constant_mean': float(np.abs(q_tr.mean() - q_te).mean()),
        },
        'training_seconds': round(time.time() - started, 1),
    }
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'signal-model.metrics.json'), 'w') as f:
        json.dump(report, f, indent=2)
        f.write('\n')
    print(json.dumps(report, indent=2))

    # ONNX export (opset 17), dynamic batch.
    # eval() on the wrapper itself: torch.onnx.export restores the wrapper's own training flag
    # recursively afterwards, which would switch the LSTM's dropout back on for the fixture below.
    exported = Exported(model).eval()
    onnx_path = os.path.join(args.out, 'signal-model.onnx')
    dummy = torch.from_numpy(x_te[:1])
    torch.onnx.export(
        exported,
        dummy,
        onnx_path,
        opset_version=17,
        input_names=['features'],
        output_names=['probabilities', 'quality'],
        dynamic_axes={'features': {0: 'batch'}, 'probabilities': {0: 'batch'}, 'quality': {0: 'batch'}},
    )
    import onnx

    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    fixtures = args.fixtures
    os.makedirs(fixtures, exist_ok=True)
    pick = np.linspace(0, len(x_te) - 1, 4).astype(np.int64)
    exported.eval()
    with torch.no_grad():
        p, q = exported(torch.from_numpy(x_te[pick]))
    with open(os.path.join(fixtures, 'model-outputs.json'), 'w') as f:
        json.dump(
            {
                'inputs': [x.reshape(-1).tolist() for x in x_te[pick]],
                'probabilities': p.numpy().tolist(),
                'quality': q[:, 0].numpy().tolist(),
            },
            f,
        )

    # Parity fixture: rows of the feature matrix exactly as consumed here, and a hash of every matrix.
    parity = {
        'series': PARITY_SERIES,
        'file': next(s['file'] for s in manifest['series'] if s['name'] == PARITY_SERIES),
        'startRow': PARITY_START,
        'rows': series[PARITY_SERIES][PARITY_START : PARITY_START + PARITY_ROWS, 1 : 1 + n_feat].tolist(),
        'sha256': {
            s['file']: hashlib.sha256(np.ascontiguousarray(series[s['name']][:, 1 : 1 + n_feat]).astype('<f8').tobytes()).hexdigest()
            for s in manifest['series']
        },
    }
    with open(os.path.join(fixtures, 'feature-parity.json'), 'w') as f:
        json.dump(parity, f)
    print(f'wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes) in {time.time() - started:.0f}s', file=sys.stderr)


if __name__ == '__main__':
    main()
