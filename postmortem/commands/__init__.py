"""One module per subcommand; each imports only click at module level."""
