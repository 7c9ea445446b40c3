"""HTTP, storage, scheduler and command line: everything that does I/O."""
