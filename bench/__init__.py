"""``make bench``: what the pipeline achieves, next to what its parts can do alone.

Run as ``python -m bench [--scale X]``. Every figure is a measurement, never an
assertion: the run exits 0 unless something crashes.
"""
