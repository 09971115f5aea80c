// TLSGateProxy module.
