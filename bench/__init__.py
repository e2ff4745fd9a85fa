"""Benchmarks: what durability costs, against the reference design and against none."""
