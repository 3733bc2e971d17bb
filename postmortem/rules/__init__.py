"""What `check` finds: problems, the rule registry and the rules themselves."""
