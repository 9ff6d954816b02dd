"""The normalised crisis signal."""
