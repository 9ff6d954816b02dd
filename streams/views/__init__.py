"""Read views: every API instance folds whole event topics into in-memory query models."""
