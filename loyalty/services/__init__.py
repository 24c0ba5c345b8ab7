"""Services of the points program (writes and side effects), split by subdomain."""
