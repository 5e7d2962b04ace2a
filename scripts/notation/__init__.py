"""Notation: finding, repairing, measuring and writing ABC tunes, their lyrics lines, and the
meter grammar that holds a model to a tune's shape. Imports only the app-wide modules."""
