"""Job handlers of the knowledge domain."""
