"""Debtor-population simulator and baseline strategies; uses only public entry points."""
