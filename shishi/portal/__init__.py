"""The public progress portal: published items and updates, no login, open data."""
