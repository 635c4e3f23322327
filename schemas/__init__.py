"""The JSON Schemas and their examples, installed as the package data `hub.schemas`.

Only the *.json files are schemas; this file exists so that an editable install and a wheel both
import the directory under that name (see setup.py).
"""
