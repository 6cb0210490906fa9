"""Classical baselines, trained on the same splits and scored by the same metric code as the neural runs
(`prodcat.baselines.tfidf`; run as task=tfidf, `prodcat.tasks.tfidf`)."""
