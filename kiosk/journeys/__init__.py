"""Citizen journeys: a pure engine that turns catalogue items into steps, and its side-effect runner."""
