"""Scheduled jobs: the checks, their registry, the runner that records every run, the scheduler."""
