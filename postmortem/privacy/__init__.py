"""Private data in incident files: secrets and personal data found, masked and redacted."""
