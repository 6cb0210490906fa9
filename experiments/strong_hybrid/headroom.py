"""How much could the graph add beside text and the lexical view? Per hybrid run, from its own members (text
expert, graph expert, lexical view; evidence.member_logits): each member's leaf accuracy, and the share of rows
where the graph expert is right while the text expert and the lexical view are both wrong, the most the graph
can add at the leaf, with the share of those rows the hybrid's mixture gets right. Validation and test, each
row once; nothing is fit here.

    PYTHONPATH=src .venv/bin/python experiments/strong_hybrid/headroom.py > experiments/strong_hybrid/headroom.txt
"""
import torch
from evidence import best_checkpoint, member_logits, run_labels
from run import OUT

from prodcat.studies import run_folder

RUNS = [("mwpd", "hybrid_6_epochs"), ("amazon_toys", "hybrid"), ("amazon_toys", "hybrid_6_epochs")]


def hybrid_runs():
    """(catalog, variant, seed, folder) of every RUNS run whose folder is on this disk."""
    for ds, variant in RUNS:
        for seed in (0, 1, 2):
            folder = run_folder(OUT, ds, variant, seed)
            if (folder / "test_predictions.npz").is_file():
                yield ds, variant, seed, folder


def main() -> None:
    from prodcat.serve.backends import load_module

    header = ("catalog", "variant", "seed", "split", "acc text", "acc graph", "acc lexical",
              "graph right, text and lexical wrong", "of those, the hybrid right", "hybrid acc")
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for ds, variant, seed, folder in hybrid_runs():
        _, _, y = run_labels(folder)
        logits = member_logits(folder)
        mixture = load_module(best_checkpoint(folder)).mixture  # the checkpoint's own weights and sharpness
        for split in ("val", "test"):
            text, graph, lexical = (m.argmax(1) == y[split] for m in logits[split])
            with torch.inference_mode():
                hybrid = mixture([torch.from_numpy(m) for m in logits[split]]).argmax(-1).numpy() == y[split]
            only_graph = graph & ~text & ~lexical
            cells = [f"{100 * a.mean():.2f}" for a in (text, graph, lexical)]
            cells += [f"{100 * only_graph.mean():.2f} ({only_graph.sum()} rows)",
                      f"{hybrid[only_graph].sum()} of {only_graph.sum()}", f"{100 * hybrid.mean():.2f}"]
            print(f"| {ds} | {variant} | {seed} | {split} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
