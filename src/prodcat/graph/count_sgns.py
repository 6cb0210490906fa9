"""Skip-gram with negative sampling trained on the walks' co-occurrence counts instead of the walks themselves
(`graph.settings.trainer: counts`; issue 23, experiments/rdf2vec_scale).

Word2Vec's skip-gram visits every (centre, context) pair of every walk in every epoch: 626M words and ~3x10^9
pairs at 20 walks x 10 epochs on the 10^6-triple graph, ~12 minutes for gensim on 2 cores. Random walks over a
graph repeat the same pairs many times (9.8M distinct pairs at 1M triples, about 28 occurrences each per
epoch). The loss skip-gram minimizes in expectation is a sum over distinct pairs, each weighted by how often it
occurs (Levy & Goldberg, NeurIPS 2014):

    sum_(w, c) x_wc * ( -log s(w . c) - sum_(k negatives n ~ unigram^0.75) log s(-w . n) )

so one pass here visits each distinct pair once with its weight x_wc. What is kept from gensim: the window and
its reduced-window odds (a context d tokens away counts (window - d + 1) / window), downsampling of frequent
tokens (sample=1e-3, gensim's keep odds, applied to the pair weights), the noise distribution
(unigram^0.75) and `negative` noise words per pair, predicates as tokens, input vectors as the entity vectors.
What differs, and why:
- minibatches of 32,768 pairs in PyTorch, with row-wise Adagrad (as PyTorch-BigGraph trains its
  embeddings): one step of weight x_wc on a pair would be x_wc of gensim's, which plain SGD cannot take
  when x spans 10^-1 to 10^5;
- each draw of `negative` noise words is shared by 8 consecutive pairs of a batch (PyTorch-BigGraph's
  chunked negatives): 1/8 of the noise rows to gather, with batched matrix products. Sharing by 16 or 256
  cost quality on the synthetic 100k graph (brands' sells-in@5 0.416 and 0.294 against 0.437);
- pairs lighter than 1 are kept each pass with odds x_wc (at weight 1), an unbiased estimate of their term:
  half the distinct pairs are an entity beside a predicate and weigh little after downsampling;
- an epoch is one pass over the distinct pairs, so `epochs` is not comparable with gensim's.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

LEARNING_RATE = 0.1  # row-wise Adagrad; 0.15-1.0 were noisier on the synthetic 100k graph
BATCH_PAIRS = 32_768
PAIRS_PER_NEGATIVE_DRAW = 8
LIGHT_PAIR = 1.0  # pairs of smaller weight are sampled each pass, at this weight
NOISE_EXPONENT = 0.75  # gensim's ns_exponent
SAMPLE = 1e-3  # gensim's default downsampling threshold, as Word2Vec is run in prodcat.graph.walks
_COUNT_CHUNK = 500_000  # walks counted per sparse block: ~30 pairs a walk, 12 bytes each


def cooccurrence(walks: np.ndarray, n_tokens: int, window: int) -> sp.csr_matrix:
    """(n_tokens, n_tokens) symmetric float32 counts of token pairs at most `window` apart in one walk, each
    weighted by word2vec's reduced-window odds. `walks`: (W, L) token ids, -1 padding at the end of a row."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    total = sp.csr_matrix((n_tokens, n_tokens), dtype=np.float32)
    for lo in range(0, len(walks), _COUNT_CHUNK):
        block = walks[lo : lo + _COUNT_CHUNK]
        rows, cols, weights = [], [], []
        for d in range(1, min(window, block.shape[1] - 1) + 1):
            a, b = block[:, :-d].ravel(), block[:, d:].ravel()
            keep = b >= 0  # padding only follows padding, so b >= 0 implies a >= 0
            rows.append(a[keep])
            cols.append(b[keep])
            weights.append(np.full(int(keep.sum()), (window - d + 1) / window, np.float32))
        total = total + sp.coo_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))),
                                      shape=(n_tokens, n_tokens)).tocsr()  # duplicates summed
    return (total + total.T).tocsr()


def train(counts: sp.csr_matrix, dim: int, negative: int, epochs: int, seed: int, threads: int = 1
          ) -> np.ndarray:
    """(V, dim) float32 input vectors of skip-gram fit to the pair weights `counts` (symmetric, V x V);
    rows of tokens without pairs keep their random initial vectors. Deterministic for a seed and thread count."""
    import torch

    if epochs < 1 or negative < 1:
        raise ValueError(f"epochs and negative must be >= 1, got {epochs}, {negative}")
    pairs = counts.tocoo()
    n_tokens = counts.shape[0]
    freq = np.bincount(pairs.row, weights=pairs.data, minlength=n_tokens)  # (V,) a token's weight in pairs
    threshold = SAMPLE * freq.sum()
    keep = np.minimum((np.sqrt(freq / threshold) + 1) * threshold / np.maximum(freq, 1e-12), 1.0)  # gensim's
    noise = freq**NOISE_EXPONENT
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        gen = torch.Generator().manual_seed(seed)
        centre = torch.from_numpy(pairs.row.astype(np.int64))
        context = torch.from_numpy(pairs.col.astype(np.int64))
        weight = torch.from_numpy((pairs.data * keep[pairs.row] * keep[pairs.col]).astype(np.float32))
        noise_cdf = torch.from_numpy(np.cumsum(noise) / noise.sum()).float()
        vec_in = (torch.rand(n_tokens, dim, generator=gen) - 0.5) / dim  # gensim's initial scale
        vec_out = torch.zeros(n_tokens, dim)
        sq_in, sq_out = torch.zeros(n_tokens), torch.zeros(n_tokens)  # Adagrad: summed squared row gradients
        for _ in range(epochs):
            order = torch.randperm(len(weight), generator=gen)
            shuffled = weight[order]
            order = order[(shuffled >= LIGHT_PAIR) | (torch.rand(len(order), generator=gen) * LIGHT_PAIR < shuffled)]
            for lo in range(0, len(order), BATCH_PAIRS):
                batch = order[lo : lo + BATCH_PAIRS]
                batch = batch[: len(batch) // PAIRS_PER_NEGATIVE_DRAW * PAIRS_PER_NEGATIVE_DRAW]
                if len(batch):
                    _step(vec_in, vec_out, sq_in, sq_out, centre[batch], context[batch],
                          weight[batch].clamp(min=LIGHT_PAIR), noise_cdf, negative, gen)
    finally:
        torch.set_num_threads(previous_threads)
    return vec_in.numpy()


def _step(vec_in, vec_out, sq_in, sq_out, centre, context, weight, noise_cdf, negative, gen) -> None:
    """One minibatch: the gradient of the weighted loss, then a row-wise Adagrad step on every row it touched."""
    import torch

    dim, groups = vec_in.shape[1], len(centre) // PAIRS_PER_NEGATIVE_DRAW
    noise = torch.searchsorted(noise_cdf, torch.rand(groups * negative, generator=gen))
    noise = noise.clamp_(max=len(noise_cdf) - 1)  # (G * k,) float rounding can put a draw past the last bin
    grad_w, grad_c, grad_n = gradients(vec_in[centre], vec_out[context], vec_out[noise].view(groups, negative, dim),
                                       weight)
    out_rows, grad_out = torch.cat([context, noise]), torch.cat([grad_c, grad_n.view(-1, dim)])
    for table, sq, rows, grad in ((vec_in, sq_in, centre, grad_w), (vec_out, sq_out, out_rows, grad_out)):
        unique, inverse = torch.unique(rows, return_inverse=True)
        summed = torch.zeros(len(unique), dim).index_add_(0, inverse, grad)  # a row's gradient over the batch
        sq.index_add_(0, unique, (summed * summed).mean(1))
        table.index_add_(0, unique, summed * (-LEARNING_RATE / torch.sqrt(sq[unique] + 1e-10))[:, None])


def gradients(w, c, n, weight):
    """Gradients of sum_b weight_b * (-log s(w_b . c_b) - sum_j log s(-w_b . n_gj)) with respect to w (B, d),
    c (B, d) and n (G, k, d), where pair b draws its negatives from group g = b // (B / G)."""
    import torch

    groups, dim = n.shape[0], w.shape[1]
    w_grouped = w.view(groups, -1, dim)  # (G, B / G, d)
    pos = -weight * torch.sigmoid(-(w * c).sum(1))  # (B,) d loss / d (w . c)
    neg = weight.view(groups, -1, 1) * torch.sigmoid(torch.bmm(w_grouped, n.transpose(1, 2)))  # (G, B / G, k)
    grad_w = pos[:, None] * c + torch.bmm(neg, n).view(-1, dim)
    return grad_w, pos[:, None] * w, torch.bmm(neg.transpose(1, 2), w_grouped)


def embed_walks(walks: np.ndarray, n_tokens: int, settings: dict, seed: int, timings: dict | None = None
                ) -> np.ndarray:
    """(n_tokens, vector_size) float32 vectors of every token id, from the counts of `walks`. `settings`:
    window, vector_size, negative, epochs, workers (torch threads). `timings` receives count_s, train_s,
    train_cpu_s, distinct_pairs."""
    t0 = time.perf_counter()
    counts = cooccurrence(walks, n_tokens, settings["window"])
    t1, cpu1 = time.perf_counter(), time.process_time()
    vectors = train(counts, settings["vector_size"], settings["negative"], settings["epochs"], seed,
                    threads=settings.get("workers", 1))
    if timings is not None:
        timings.update(count_s=t1 - t0, train_s=time.perf_counter() - t1, train_cpu_s=time.process_time() - cpu1,
                       distinct_pairs=int(counts.nnz))
    return vectors
