"""MongoDB read model through pymongo's async API."""
