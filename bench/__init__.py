"""amicable's benchmark suite (DESIGN.md §9). Run ``python -m bench [NAME …] [--json]``.

Each benchmark runs in its own child process so its peak memory is its own; each reports the
figure, the target, whether it met it, the time of a plain read of the same data (so ratios hold
on a noisy machine), peak memory and the machine.
"""
