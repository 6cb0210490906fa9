"""BERT masking (Devlin et al. 2019, section 3.1), applied per batch so every epoch sees a new mask
(dynamic masking, as RoBERTa).

Of the maskable tokens (not special, not padding) each is selected with probability `mlm_probability`;
a selected token becomes `[MASK]` with probability `mask_replace`, a random token with probability
`random_replace`, and stays itself otherwise. Labels are the original ids at selected positions and -100
(ignored by the loss) everywhere else.
"""

from __future__ import annotations

import torch

IGNORE = -100


def mask_tokens(input_ids: torch.Tensor, maskable: torch.Tensor, *, mask_id: int, random_ids: torch.Tensor,
                mlm_probability: float = 0.15, mask_replace: float = 0.8, random_replace: float = 0.1,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T) ids and a (B, T) bool mask of maskable positions -> (masked inputs, labels), both (B, T).

    `random_ids`: the ids a "random token" is drawn from (the vocabulary without its special tokens, so
    a random replacement never plants a [CLS], [SEP] or [PAD] in the middle of a text).
    """
    if not 0.0 < mlm_probability < 1.0:
        raise ValueError(f"pretrain.mlm_probability must be in (0, 1), got {mlm_probability}")
    if mask_replace < 0 or random_replace < 0 or mask_replace + random_replace > 1.0:
        raise ValueError(f"pretrain.mask_replace + random_replace must be within [0, 1], "
                         f"got {mask_replace} + {random_replace}")
    shape = input_ids.shape
    u = torch.rand(shape, generator=generator)  # one draw decides selection ...
    selected = (u < mlm_probability) & maskable
    v = torch.rand(shape, generator=generator)  # ... an independent one decides what a selected token becomes
    to_mask = selected & (v < mask_replace)
    to_random = selected & (v >= mask_replace) & (v < mask_replace + random_replace)
    labels = torch.where(selected, input_ids, torch.full_like(input_ids, IGNORE))
    inputs = input_ids.clone()
    inputs[to_mask] = mask_id
    picks = torch.randint(len(random_ids), (int(to_random.sum()),), generator=generator)
    inputs[to_random] = random_ids[picks].to(inputs.dtype)
    return inputs, labels
