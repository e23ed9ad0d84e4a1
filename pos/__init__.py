"""CryptoCity POS: a point-of-sale terminal for shops that take Bitcoin in Alatau."""

__version__ = "0.1.0"
