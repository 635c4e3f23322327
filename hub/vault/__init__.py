"""The master keys in use: read from the shared key file and re-read on rotation, personal parts
and native evidence re-wrapped under the newest version, platforms' native messages sealed.

Above the store (it reads and writes sealed rows), below every service that seals or opens.
"""
