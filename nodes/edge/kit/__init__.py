"""What several contracts' surfaces share; a contract never imports another contract's module."""
