"""A local bcoin regtest node (node.js, driven by node.py) for the tests, the benchmarks and `pos demo`."""
