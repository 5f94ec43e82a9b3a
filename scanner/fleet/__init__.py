"""Scanning on many machines: a queue of sites (Celery, Redis) and workers that are the
local engine fed by it, saving into one shared history (PostgreSQL). See docs/fleet.md."""
