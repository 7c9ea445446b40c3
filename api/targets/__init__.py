"""The plan's green-manufacturing targets: value, path, gap, movers and status per indicator."""
