"""CLI verbs: one module each, with ``register(subparsers)``."""
