"""seatledger: who consumes your GitHub Enterprise, Advanced Security and Copilot licenses."""

__version__ = "0.1.0"
