"""prodcat: hybrid product categorization (BERT-family text encoder + RDF2Vec knowledge-graph features)."""

__version__ = "0.1.0"
