"""Evidence documents: the paper behind a record (DESIGN section 16)."""
