"""Bearer tokens and the principal they authenticate."""
