"""The actor runtime: mailboxes, refs, supervisors, rate limiter, circuit breaker, retry."""
