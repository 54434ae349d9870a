"""Users, sessions (JWT access + rotating refresh tokens) and personal API tokens."""
