"""Reading formats back: the reader contract, the registry, and one module per format.

Each reader is registered under its writer's name (``exporters/``), as pybtex pairs its input and output
plugins, and both sides read their type mapping from ``crosswalk``.
"""
