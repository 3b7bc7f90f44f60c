"""Site administration: people and their roles."""
