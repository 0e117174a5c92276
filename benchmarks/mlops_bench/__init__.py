"""The mlops-refs benchmark: stages of the library, peers and floors, timed and reported.

Modules, each depending only on those above it:

- ``measure``: timing in-process stages and commands (loops, round robin, peak RSS);
- ``workspace``: generated inputs, cache environment, the command to run, the machine;
- ``stages``: the library's own stages, through its public API; one meaning per stage name;
- ``peers``: the other tools and floors each stage is compared with;
- ``merging``: the merge at two sizes;
- ``report``: ratios, targets and tables;
- ``single``: every measurement at one size; ``scaling``: each stage at two sizes;
- ``cli``: the command line (``python benchmarks/bench.py``).
"""
