"""How long the hub keeps what: the legal period (policy, pure), erasure of personal parts by
crypto-shredding (run), the monthly partitions of events created ahead (partitions) and old
months detached once every complaint in them is erased (detach)."""
