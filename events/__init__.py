"""Events: categories, registration, waitlist, check-in and results."""
