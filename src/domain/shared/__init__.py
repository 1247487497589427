"""What every domain module shares: errors, ids, time and pagination."""
