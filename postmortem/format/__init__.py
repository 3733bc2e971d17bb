"""The incident format: reading files, the models, the vocabulary, scaffolds and schema docs."""
