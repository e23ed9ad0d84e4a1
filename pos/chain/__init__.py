"""The Bitcoin side of the terminal: watch-only keys, BIP21, the chain backend, the watcher.

bitcoinlib is only ever imported inside functions, after pos.chain.bcl.prepare_bitcoinlib
has pointed it at the terminal's own data directory.
"""
