"""Entry point for ``python -m postmortem``."""

from postmortem.cli import main

main()
