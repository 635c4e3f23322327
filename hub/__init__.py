"""complaint-hub: the neutral exchange of consumer complaints between platforms and authorities."""

__version__ = "0.1.0"
