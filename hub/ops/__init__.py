"""What operators see and do: /ops (hub.ops.page), /healthz and /readyz (health), /metrics
(hub.ops.metrics), and the operators' accounts (passwords, operator_names)."""
