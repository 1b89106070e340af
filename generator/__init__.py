"""policygen: privacy policies for crypto-mining businesses, written from facts."""

__version__ = "0.1.0"
