"""Action items through git history: git access, the replay, `actions` and the weekly review."""
