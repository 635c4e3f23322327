"""Pure rules of complaint-hub: values in, values out; no I/O, no clock reads."""
