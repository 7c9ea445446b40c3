"""Monthly reports: submission, revisions, batch import, aggregates and data quality."""
