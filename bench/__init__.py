"""seatledger benchmarks: each figure timed side by side with the most direct baseline."""
