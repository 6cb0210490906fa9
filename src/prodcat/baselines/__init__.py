"""Classical baselines, trained on the same splits and scored by the same metric code as the neural runs."""

from prodcat.baselines.tfidf import train_tfidf

__all__ = ["train_tfidf"]
