"""The pure domain: units, energy, emissions, inventories and plan indicators.

Nothing in this package imports a web framework or a database driver, nor does file or
network I/O: every function takes what it needs as arguments.
"""
