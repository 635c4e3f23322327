"""Retention: erasing personal parts by crypto-shredding once the legal period has passed."""
