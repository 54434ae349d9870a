"""Tables of the knowledge domain."""
