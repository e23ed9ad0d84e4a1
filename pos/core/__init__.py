"""The sales core: plain Python, standard library only.

Nothing here imports Textual, bitcoinlib, pyserial, qrcode or TinyDB; the UI and
the adapters call into it (a test enforces this).
"""
