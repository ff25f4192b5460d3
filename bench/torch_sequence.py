"""PyTorch twins of the bench's token-level variants (bench/sequence-variants.ts), used by torch_reference.py.

Same layers as mmx builds them: the image as 4x4 patches (Conv2d stride 4) + position embedding + 2 pre-norm
transformer blocks + layer norm, each patch projected to 64 (ReLU); the audio through Conv1D [32, 64] k5 with
max pooling, each of the 25 frames projected to 64 (ReLU, dropout 0.1 before); then the fusion: each modality's
tokens projected (linear) to 64 plus a position embedding, and
  tokens           the modality-type embedding, 2 pre-norm blocks over all 74 tokens, layer norm, mean;
  cross_attention  image <- audio and audio <- image, 2 pre-norm cross blocks each, layer norm, mean, concatenated;
  bottleneck       4 shared latent tokens, 2 layers of one pre-norm block per modality over [its tokens; latents],
                   latents averaged, layer norm, each modality's mean and the latents' mean concatenated;
then dense 128 (ReLU, dropout 0.1) and the 10-way output. Layer norm epsilon 1e-3 and 4 heads, as mmx's.
"""
import torch
from torch import nn

D, HEADS, FF = 64, 4, 128


class Block(nn.Module):
    """Transformer block: pre-norm (self or cross-attention), or post-norm (self-attention)."""

    def __init__(self, pre, cross=False, dropout=0.0):
        super().__init__()
        self.pre, self.cross = pre, cross
        self.att = nn.MultiheadAttention(D, HEADS, batch_first=True)
        self.n1, self.n2 = nn.LayerNorm(D, eps=1e-3), nn.LayerNorm(D, eps=1e-3)
        self.ns = nn.LayerNorm(D, eps=1e-3) if cross else None
        self.ff = nn.Sequential(nn.Linear(D, FF), nn.ReLU(), nn.Linear(FF, D))
        self.drop = nn.Dropout(dropout)

    def forward(self, x, source=None):
        if not self.pre:
            x = self.n1(x + self.drop(self.att(x, x, x, need_weights=False)[0]))
            return self.n2(x + self.drop(self.ff(x)))
        q = self.n1(x)
        s = self.ns(source) if self.cross else q
        x = x + self.drop(self.att(q, s, s, need_weights=False)[0])
        return x + self.drop(self.ff(self.n2(x)))


class PatchEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.patchify = nn.Conv2d(1, D, 4, stride=4)
        self.pos = nn.Parameter(torch.randn(49, D) * 0.02)
        self.blocks = nn.ModuleList([Block(pre=True) for _ in range(2)])
        self.norm = nn.LayerNorm(D, eps=1e-3)
        self.proj = nn.Sequential(nn.Linear(D, 64), nn.ReLU())

    def forward(self, image):
        x = self.patchify(image.permute(0, 3, 1, 2)).flatten(2).transpose(1, 2) + self.pos  # [N, 49, D], row-major patches
        for b in self.blocks:
            x = b(x)
        return self.proj(self.norm(x))


class FrameEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.Sequential(nn.Conv1d(40, 32, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
                                   nn.Conv1d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2))
        self.proj = nn.Sequential(nn.Dropout(0.1), nn.Linear(64, 64), nn.ReLU())

    def forward(self, speech):
        return self.proj(self.convs(speech.transpose(1, 2)).transpose(1, 2))  # [N, 25, 64]


class SequenceModel(nn.Module):
    def __init__(self, fusion, classes):
        super().__init__()
        self.fusion = fusion
        self.image, self.speech = PatchEncoder(), FrameEncoder()
        self.proj = nn.ModuleList([nn.Linear(64, D), nn.Linear(64, D)])
        self.pos = nn.ParameterList([nn.Parameter(torch.randn(49, D) * 0.02), nn.Parameter(torch.randn(25, D) * 0.02)])
        if fusion == "tokens":
            self.types = nn.Parameter(torch.randn(2, D) * 0.02)
            self.blocks = nn.ModuleList([Block(pre=True, dropout=0.1) for _ in range(2)])
            self.final = nn.LayerNorm(D, eps=1e-3)
            width = D
        elif fusion == "cross_attention":
            self.pairs = nn.ModuleList([nn.ModuleList([Block(pre=True, cross=True, dropout=0.1) for _ in range(2)]) for _ in range(2)])
            self.pair_norms = nn.ModuleList([nn.LayerNorm(D, eps=1e-3) for _ in range(2)])
            width = 2 * D
        else:
            self.latent = nn.Parameter(torch.randn(4, D) * 0.02)
            self.blocks = nn.ModuleList([nn.ModuleList([Block(pre=True, dropout=0.1) for _ in range(2)]) for _ in range(2)])  # [modality][layer]
            self.norms = nn.ModuleList([nn.LayerNorm(D, eps=1e-3) for _ in range(3)])
            width = 3 * D
        self.head = nn.Sequential(nn.Linear(width, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, classes))

    def forward(self, image, speech):
        xs = [p(e) + pos for p, e, pos in zip(self.proj, [self.image(image), self.speech(speech)], self.pos)]
        if self.fusion == "tokens":
            x = torch.cat([xs[0] + self.types[0], xs[1] + self.types[1]], 1)
            for b in self.blocks:
                x = b(x)
            fused = self.final(x).mean(1)
        elif self.fusion == "cross_attention":
            pooled = []
            for k, (target, source) in enumerate([(xs[0], xs[1]), (xs[1], xs[0])]):
                z = target
                for b in self.pairs[k]:
                    z = b(z, source)
                pooled.append(self.pair_norms[k](z).mean(1))
            fused = torch.cat(pooled, 1)
        else:
            z = self.latent.expand(image.shape[0], -1, -1)
            for layer in range(2):
                updates = []
                for m in range(2):
                    t = xs[m].shape[1]
                    y = self.blocks[m][layer](torch.cat([xs[m], z], 1))
                    xs[m], u = y[:, :t], y[:, t:]
                    updates.append(u)
                z = (updates[0] + updates[1]) / 2
            fused = torch.cat([self.norms[0](xs[0]).mean(1), self.norms[1](xs[1]).mean(1), self.norms[2](z).mean(1)], 1)
        return self.head(fused)


VARIANTS = ("tokens", "cross_attention", "bottleneck")


def build_sequence_model(variant, classes):
    return SequenceModel(variant, classes)
